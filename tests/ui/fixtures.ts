import { generateKeyPairSync } from "node:crypto";
import type { DNSResolver } from "mailauth";
import type Mail from "nodemailer/lib/mailer";

/** Mail for the browser tests and the screenshots. */

/**
 * A sender that passes SPF, DKIM and DMARC: a stub resolver publishes its
 * records and nodemailer signs with the matching key (no network).
 */
export function authenticSender(domain: string): { resolver: DNSResolver; dkim: Mail.Options["dkim"] } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const records: Record<string, string[][]> = {
    [`TXT s1._domainkey.${domain}`]: [
      [`v=DKIM1; k=rsa; p=${publicKey.export({ type: "spki", format: "der" }).toString("base64")}`],
    ],
    [`TXT ${domain}`]: [["v=spf1 ip4:127.0.0.1 -all"]],
    [`TXT _dmarc.${domain}`]: [["v=DMARC1; p=reject"]],
  };
  const resolver: DNSResolver = async (name, rrtype) => {
    const found = records[`${rrtype} ${name.toLowerCase()}`];
    if (!found) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: "ENOTFOUND" });
    return found;
  };
  const privateKeyPem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { resolver, dkim: { domainName: domain, keySelector: "s1", privateKey: privateKeyPem } };
}

/**
 * Everything a hostile message might try: script (inline, handlers, javascript:
 * URLs), reaching the parent page, calling the API, a form, a meta refresh, and
 * a remote "tracking pixel". Each attempt would leave a trace the test checks.
 */
export function hostileHtml(trackerUrl: string): string {
  return `<!doctype html><html><head><title>hostile</title>
<meta http-equiv="refresh" content="0;url=${trackerUrl}/refresh">
<style>.box{border:2px solid #c00;padding:12px}</style></head><body>
<div class="box"><p id="marker">Rendered <b>safely</b> in the sandbox.</p></div>
<script>
  window.__pwned = "inline script ran";
  try { parent.document.title = "pwned by parent"; } catch (e) {}
  try { top.document.title = "pwned by top"; } catch (e) {}
  try { fetch("/v1/mailboxes").then(function () { parent.__apiReached = true; }); } catch (e) {}
  try { fetch("${trackerUrl}/script-fetch"); } catch (e) {}
  new Image().src = "${trackerUrl}/script-image";
</script>
<img src="x" onerror="parent.document.title='pwned by onerror'; new Image().src='${trackerUrl}/onerror'">
<svg onload="new Image().src='${trackerUrl}/svg-onload'"></svg>
<a id="js-link" href="javascript:parent.document.title='pwned by link'">click me</a>
<form action="${trackerUrl}/form" method="post"><input name="x" value="1"><button id="submit">Send</button></form>
<img id="pixel" src="${trackerUrl}/pixel.png" width="1" height="1" alt="">
</body></html>`;
}

const newsletterHtml = `<!doctype html><html><body style="margin:0;background:#f4f5f7;font-family:Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:28px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:10px;overflow:hidden">
<tr><td style="background:#0f766e;color:#ffffff;padding:22px 28px;font-size:20px;font-weight:bold">Acme Cloud · Monthly usage</td></tr>
<tr><td style="padding:24px 28px;color:#1f2937;font-size:15px;line-height:1.6">
<p style="margin:0 0 12px">Hi Dana,</p>
<p style="margin:0 0 16px">Here is how your workspace did in October. Your full invoice is attached as a PDF.</p>
<table role="presentation" width="100%" style="border-collapse:collapse;font-size:14px">
<tr><td style="padding:8px 0;border-bottom:1px solid #e5e7eb">API requests</td><td align="right" style="border-bottom:1px solid #e5e7eb"><b>1,284,220</b></td></tr>
<tr><td style="padding:8px 0;border-bottom:1px solid #e5e7eb">Inbound messages</td><td align="right" style="border-bottom:1px solid #e5e7eb"><b>48,913</b></td></tr>
<tr><td style="padding:8px 0">Amount due</td><td align="right"><b>$249.00</b></td></tr></table>
<p style="margin:22px 0"><a href="https://example.com/billing" style="background:#0f766e;color:#fff;padding:10px 18px;border-radius:6px;text-decoration:none;font-weight:bold">View invoice</a></p>
<img src="https://example.com/pixel.gif" width="1" height="1" alt="">
<p style="margin:0;color:#6b7280;font-size:13px">Questions? Just reply to this email.</p>
</td></tr></table></td></tr></table></body></html>`;

/** A tiny PDF-looking attachment: bytes only matter for the download check. */
export function samplePdf(): Buffer {
  return Buffer.from(
    "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
  );
}

/** A mailbox's worth of ordinary mail, oldest first, for the screenshots. */
export function sampleMails(to: string): Mail.Options[] {
  return [
    {
      from: '"GitHub" <noreply@github.example>',
      to,
      subject: "[omnimail] Pull request #42 merged: long poll walks in commit order",
      text: "Merged #42 into main.\n\nhttps://github.example/omnimail/omnimail/pull/42",
    },
    {
      from: '"Stripe" <receipts@stripe.example>',
      to,
      subject: "Your receipt from Acme Inc. #2231-4410",
      text: "Amount paid: $49.00\nDate paid: 2 Nov 2026\nPayment method: Visa 4242",
      html: "<h2>Receipt from Acme Inc.</h2><p>Amount paid: <b>$49.00</b></p>",
    },
    {
      from: '"Priya Raman" <priya@design.example>',
      to,
      cc: "ops@acme.test",
      subject: "Re: Onboarding flow mockups",
      text: "Looks great! Two small notes on the empty state. Can we talk tomorrow at 10?\n\n— Priya",
    },
    {
      from: '"Linear" <notifications@linear.example>',
      to,
      subject: "OM-118 Webhook replay button is assigned to you",
      text: "You were assigned OM-118 by Sam.\n\nReplay deliveries from the web inbox.",
    },
    {
      from: '"Sam Ortiz" <sam@acme.test>',
      to,
      subject: "Password reset code: 804 211",
      text: "Your verification code is 804 211. It expires in 10 minutes.",
    },
  ];
}

export function newsletterMail(to: string, dkim: Mail.Options["dkim"]): Mail.Options {
  return {
    from: '"Acme Cloud Billing" <billing@acme-cloud.example>',
    to,
    subject: "Your October usage report and invoice",
    text: "Hi Dana,\n\nHere is how your workspace did in October. Your full invoice is attached.\n\nAPI requests: 1,284,220\nInbound messages: 48,913\nAmount due: $249.00\n\nView invoice: https://example.com/billing",
    html: newsletterHtml,
    attachments: [
      { filename: "invoice-2026-10.pdf", content: samplePdf(), contentType: "application/pdf" },
      {
        filename: "usage.csv",
        content: "day,requests\n2026-10-01,41022\n2026-10-02,40211\n",
        contentType: "text/csv",
      },
    ],
    dkim,
  };
}
