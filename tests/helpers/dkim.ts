import { generateKeyPairSync } from "node:crypto";
import { dkimSign } from "mailauth";

/** An RSA 2048 DKIM key: the private half (PKCS#8 PEM) and the TXT record that publishes the public half. */
export function createDkimKey(): { privateKeyPem: string; txtRecord: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const publicKeyBase64 = publicKey.export({ type: "spki", format: "der" }).toString("base64");
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    txtRecord: `v=DKIM1; k=rsa; p=${publicKeyBase64}`,
  };
}

/**
 * `message` with a DKIM-Signature prepended (mailauth's signer: relaxed/relaxed, RSA-SHA256, its
 * default header list). Throws when mailauth signs nothing, so a bad key cannot pass for a signature.
 */
export async function signWithDkim(
  message: Uint8Array,
  signer: { domain: string; selector: string; privateKeyPem: string },
): Promise<Buffer> {
  // mailauth 7.1's sign.js reads `signatureData` (its index.d.ts describes a flat shape it ignores).
  const options = {
    signatureData: [
      { signingDomain: signer.domain, selector: signer.selector, privateKey: signer.privateKeyPem },
    ],
  } as unknown as Parameters<typeof dkimSign>[1];
  const signed = await dkimSign(Buffer.from(message), options);
  if (!signed.signatures) throw new Error(`DKIM signing failed: ${JSON.stringify(signed.errors)}`);
  return Buffer.concat([Buffer.from(signed.signatures), message]);
}
