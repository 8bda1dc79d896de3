import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface TestCert {
  certPath: string;
  keyPath: string;
  cert: string;
}

/** A self-signed certificate made with the openssl CLI; null (with a warning) when openssl is missing. */
export function makeSelfSignedCert(dir: string, commonName: string, name = "cert"): TestCert | null {
  if (!Bun.which("openssl")) {
    console.warn("openssl not found on PATH, skipping TLS tests");
    return null;
  }
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  const result = Bun.spawnSync([
    "openssl",
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    `/CN=${commonName}`,
    "-addext",
    `subjectAltName=DNS:${commonName}`,
  ]);
  if (result.exitCode !== 0) throw new Error(`openssl failed: ${result.stderr.toString()}`);
  return { certPath, keyPath, cert: readFileSync(certPath, "utf8") };
}
