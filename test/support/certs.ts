/**
 * A throwaway PKI for TLS probe tests: root CA → intermediate CA → server leaves,
 * generated on first use and cached for the rest of the process.
 *
 * Clients trust `rootCaPem` only (pass it as `ca`). Each leaf's `cert` holds the
 * leaf first, then the intermediate, except `incompleteChain` and `selfSigned`.
 *
 * Expiry layout, which tests rely on:
 * - root CA        now-2d .. now+3650d
 * - intermediate   now-2d .. now+60d   ← expires BEFORE the `valid` leaf on purpose,
 *                                        so "earliest expiry in the chain" (now+60d)
 *                                        differs from the leaf's own expiry (now+90d).
 * - valid          now-1d .. now+90d
 * - expired        now-30d .. now-1d
 * - expiresSoon    now-1d .. now+5d
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface CertPair {
  /** PEM private key of the leaf. */
  readonly key: string;
  /** PEM certificate(s): the leaf first, then the intermediate when the chain is sent. */
  readonly cert: string;
  /** The leaf's notAfter (second precision, as encoded in the certificate). */
  readonly leafValidTo: Date;
}

export interface TestPki {
  readonly rootCaPem: string;
  readonly intermediateCaPem: string;
  /** SAN DNS:localhost, IP:127.0.0.1; now-1d .. now+90d; leaf + intermediate. */
  readonly valid: CertPair;
  /** localhost; now-30d .. now-1d; leaf + intermediate. */
  readonly expired: CertPair;
  /** SAN DNS:wrong.example only; otherwise like `valid`. */
  readonly wrongHost: CertPair;
  /** A localhost leaf signed by its own key, unrelated to our CA. */
  readonly selfSigned: CertPair;
  /** Like `valid`, but `cert` holds the leaf only, so clients cannot build the chain. */
  readonly incompleteChain: CertPair;
  /** localhost; now-1d .. now+5d; leaf + intermediate. */
  readonly expiresSoon: CertPair;
}

const DAY_MILLIS = 24 * 60 * 60 * 1000;

interface KeyPem {
  readonly privatePem: string;
  readonly publicPem: string;
}

interface Issuer {
  readonly cert: forge.pki.Certificate;
  readonly key: KeyPem;
}

interface CertSpec {
  readonly commonName: string;
  readonly key: KeyPem;
  /** Omitted: self-signed. */
  readonly issuer?: Issuer;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly ca: boolean;
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
}

let cached: TestPki | undefined;

/** The process-wide test PKI; the first call generates it (about a second: RSA key generation). */
export function testPki(): TestPki {
  cached ??= generatePki(Date.now());
  return cached;
}

function generatePki(nowMillis: number): TestPki {
  const at = (days: number): Date => new Date(nowMillis + days * DAY_MILLIS);

  // Key generation dominates the cost, so the CA-issued leaves share one key;
  // the certificates (serials, validity, SANs) still differ.
  const rootKey = newKey();
  const intermediateKey = newKey();
  const leafKey = newKey();
  const selfSignedKey = newKey();

  const root = buildCert({
    commonName: 'skyprobe test root CA',
    key: rootKey,
    notBefore: at(-2),
    notAfter: at(3650),
    ca: true,
  });
  const rootIssuer: Issuer = { cert: root, key: rootKey };
  const intermediate = buildCert({
    commonName: 'skyprobe test intermediate CA',
    key: intermediateKey,
    issuer: rootIssuer,
    notBefore: at(-2),
    notAfter: at(60),
    ca: true,
  });
  const intermediateIssuer: Issuer = { cert: intermediate, key: intermediateKey };
  const intermediatePem = forge.pki.certificateToPem(intermediate);

  const leaf = (
    commonName: string,
    notBefore: Date,
    notAfter: Date,
    dnsNames: readonly string[],
    ips: readonly string[],
  ): forge.pki.Certificate =>
    buildCert({ commonName, key: leafKey, issuer: intermediateIssuer, notBefore, notAfter, ca: false, dnsNames, ips });
  const pair = (cert: forge.pki.Certificate, key: KeyPem, withChain: boolean): CertPair => ({
    key: key.privatePem,
    cert: forge.pki.certificateToPem(cert) + (withChain ? intermediatePem : ''),
    leafValidTo: cert.validity.notAfter,
  });

  const localhostNames = ['localhost'];
  const localhostIps = ['127.0.0.1'];
  return {
    rootCaPem: forge.pki.certificateToPem(root),
    intermediateCaPem: intermediatePem,
    valid: pair(leaf('localhost', at(-1), at(90), localhostNames, localhostIps), leafKey, true),
    expired: pair(leaf('localhost', at(-30), at(-1), localhostNames, localhostIps), leafKey, true),
    wrongHost: pair(leaf('wrong.example', at(-1), at(90), ['wrong.example'], []), leafKey, true),
    selfSigned: pair(
      buildCert({
        commonName: 'localhost',
        key: selfSignedKey,
        notBefore: at(-1),
        notAfter: at(90),
        ca: false,
        dnsNames: localhostNames,
        ips: localhostIps,
      }),
      selfSignedKey,
      false,
    ),
    incompleteChain: pair(leaf('localhost', at(-1), at(90), localhostNames, localhostIps), leafKey, false),
    expiresSoon: pair(leaf('localhost', at(-1), at(5), localhostNames, localhostIps), leafKey, true),
  };
}

function newKey(): KeyPem {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

function buildCert(spec: CertSpec): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.key.publicPem);
  // Positive, non-zero, unique serial (a leading 0x01 keeps the DER integer positive).
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  // X.509 times have second precision; truncate so leafValidTo equals what peers see.
  cert.validity.notBefore = truncateToSecond(spec.notBefore);
  cert.validity.notAfter = truncateToSecond(spec.notAfter);

  const subject: forge.pki.CertificateField[] = [
    { name: 'commonName', value: spec.commonName },
    { name: 'organizationName', value: 'skyprobe tests' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(spec.issuer?.cert.subject.attributes ?? subject);

  const issuerCert = spec.issuer?.cert ?? cert;
  const extensions: object[] = [
    spec.ca ? { name: 'basicConstraints', cA: true, critical: true } : { name: 'basicConstraints', cA: false },
    spec.ca
      ? { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }
      : { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    // forge's `keyIdentifier: true` would use this certificate's own key, so pass the issuer's.
    { name: 'authorityKeyIdentifier', keyIdentifier: issuerCert.generateSubjectKeyIdentifier().getBytes() },
  ];
  if (!spec.ca) {
    extensions.push({ name: 'extKeyUsage', serverAuth: true });
  }
  const altNames = [
    ...(spec.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(spec.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  if (altNames.length > 0) {
    extensions.push({ name: 'subjectAltName', altNames });
  }
  cert.setExtensions(extensions);

  const signingKey = spec.issuer?.key ?? spec.key;
  cert.sign(forge.pki.privateKeyFromPem(signingKey.privatePem), forge.md.sha256.create());
  return cert;
}

function truncateToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
