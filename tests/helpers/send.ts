import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer";

/** Sends one message with nodemailer over a real socket; resolves with the server's final reply. */
export async function sendMail(port: number, message: Mail.Options): Promise<string> {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    name: "client.test.localhost",
  });
  try {
    const info = await transport.sendMail(message);
    return info.response;
  } finally {
    transport.close();
  }
}

/** Bare LF and lone CR become CRLF, and the message ends with CRLF: the form every message has on the wire. */
export function toWireForm(bytes: Uint8Array): Uint8Array {
  const text = Buffer.from(bytes)
    .toString("latin1")
    .replace(/\r\n|\r|\n/g, "\r\n");
  return Buffer.from(text.endsWith("\r\n") ? text : `${text}\r\n`, "latin1");
}

/** Splits our prepended Received: header off stored raw bytes. */
export function stripTraceHeader(raw: Uint8Array): { header: string; rest: Uint8Array } {
  const text = Buffer.from(raw).toString("latin1");
  const match = /^Received: [^\r\n]*(\r\n\t[^\r\n]*)*\r\n/.exec(text);
  if (!match) throw new Error("stored message does not start with our Received: header");
  return { header: match[0], rest: raw.subarray(match[0].length) };
}
