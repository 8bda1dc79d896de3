import { createMiddleware } from "hono/factory";
import { linkKeyOfMessage } from "../../core/links/link-keys";
import { checkSignedLink } from "../../core/links/signed-links";
import type { Db } from "../../db/client";
import type { AppEnv } from "../context";
import { ApiError } from "../problem";
import type { AuthFailureGuard } from "./auth-failures";

/** The two routes a signed link may open: a message's raw bytes and one of its attachments. */
const LINKABLE = /^\/v1\/messages\/([^/]+)\/(?:raw|attachments\/[^/]+)$/;

/**
 * `?expires=&sig=` on a raw or attachment URL stands in for the API key
 * (core/links/signed-links.ts): a valid link sets the tenant of the message it
 * names; a changed, expired or rotated-out one is 403 problem+json, and a
 * forged one counts as a failed authentication. Other requests pass on to the
 * API key check.
 */
export function signedLinkAuth(db: () => Db, guard?: AuthFailureGuard | undefined) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const sig = c.req.query("sig");
    const expires = c.req.query("expires");
    const match = LINKABLE.exec(c.req.path);
    if ((sig === undefined && expires === undefined) || !match || !["GET", "HEAD"].includes(c.req.method)) {
      return next();
    }
    guard?.check(c);
    const owner = await linkKeyOfMessage(db(), match[1] ?? "");
    const check = owner
      ? await checkSignedLink({
          path: c.req.path,
          expires: expires ?? "",
          sig: sig ?? "",
          linkKey: owner.linkKey,
        })
      : ({ ok: false, reason: "signature" } as const);
    if (!check.ok || !owner) {
      if (check.ok === false && check.reason !== "expired") guard?.fail(c);
      throw invalidLink(check.ok === false ? check.reason : "signature");
    }
    c.set("tenantId", owner.tenantId);
    c.set("apiKeyId", `link:${owner.tenantId}`);
    await next();
  });
}

function invalidLink(reason: "malformed" | "signature" | "expired"): ApiError {
  const detail = {
    malformed: "the link's expires and sig are not the ones OmniMail writes",
    signature:
      "the link's signature does not match: it was changed, names another object, or was signed with a key rotated since",
    expired:
      "the link has expired: fetch a fresh one (GET /v1/messages/{id}?signed_urls=1, or the next webhook)",
  }[reason];
  return new ApiError({
    status: 403,
    slug: "invalid-link",
    title: "Forbidden",
    detail,
    errors: [{ location: reason === "expired" ? "query.expires" : "query.sig", message: detail }],
  });
}
