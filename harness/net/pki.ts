// The local cluster's own PKI: one CA, the apiserver's serving certificate (127.0.0.1, localhost,
// kubernetes.default.svc…), a service-account signing key, and client certificates per user.
// ECDSA P-256 throughout: fast to make, and every Kubernetes version here accepts it.
import 'reflect-metadata'; // @peculiar/x509 needs it loaded first
import { KeyObject, webcrypto } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

const crypto = webcrypto as unknown as Crypto;
x509.cryptoProvider.set(crypto);
const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
// Some certificate rotators (open-policy-agent/cert-controller, in Kueue and the operator) read only
// PKCS#1 RSA keys; a PKI they must accept is made with these.
const rsa = { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;
const year = 365 * 24 * 3600 * 1000;

async function pem(key: CryptoKey): Promise<string> {
  if (key.algorithm.name === rsa.name) return KeyObject.from(key).export({ type: 'pkcs1', format: 'pem' }) as string;
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function publicPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await crypto.subtle.exportKey('spki', key));
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

export type Pair = { cert: string; key: string };

export type Pki = {
  dir: string;
  ca: string;
  serving: Pair;
  saKey: string;
  saPub: string;
  client: (name: string) => Pair;
};

/** A user of the cluster: CN is the user name, O the groups (system:masters for the admin). */
export type User = { name: string; cn: string; groups: string[] };

/** Writes pki/{ca.crt, serving.crt/key, sa.key/pub, <user>.crt/key} with private keys mode 0600. */
export async function makePki(dir: string, users: User[], extraSans: string[] = [], o: { rsa?: boolean; caName?: string; ips?: string[] } = {}): Promise<Pki> {
  const alg = o.rsa ? rsa : ecdsa;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = new Date(Date.now() - 60_000);
  const until = new Date(Date.now() + year);
  const caKeys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${o.caName ?? 'codeflare-matrix-ca'}`,
    notBefore: now,
    notAfter: until,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      // a rotator checks its CA by name (x509 Verify with DNSName = the CA name)
      ...(o.caName ? [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: o.caName }])] : []),
    ],
  });
  let serial = 2;
  const issue = async (subject: string, usage: 'server' | 'client', sans: { type: 'dns' | 'ip'; value: string }[] = []) => {
    const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      subject,
      issuer: ca.subject,
      notBefore: now,
      notAfter: until,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: alg,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
        await x509.AuthorityKeyIdentifierExtension.create(ca, false),
        ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
      ],
    });
    return { cert: cert.toString('pem') + '\n', key: await pem(keys.privateKey) };
  };
  const write = (name: string, text: string, mode = 0o644) => writeFileSync(join(dir, name), text, { mode });
  write('ca.crt', ca.toString('pem') + '\n');
  write('ca.key', await pem(caKeys.privateKey), 0o600); // certificate rotators (webhooks) want the CA key too
  const serving = await issue('CN=kube-apiserver', 'server', [
    { type: 'ip', value: '127.0.0.1' },
    // the address of the cell's own network namespace, where the host reaches it
    ...(o.ips ?? []).map((value) => ({ type: 'ip' as const, value })),
    { type: 'dns', value: 'localhost' },
    ...['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', ...extraSans].map((value) => ({ type: 'dns' as const, value })),
  ]);
  write('serving.crt', serving.cert);
  write('serving.key', serving.key, 0o600);
  const sa = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as CryptoKeyPair;
  write('sa.key', await pem(sa.privateKey), 0o600);
  write('sa.pub', await publicPem(sa.publicKey));
  const clients = new Map<string, Pair>();
  for (const u of users) {
    const pair = await issue([`CN=${u.cn}`, ...u.groups.map((g) => `O=${g}`)].join(', '), 'client');
    write(`${u.name}.crt`, pair.cert);
    write(`${u.name}.key`, pair.key, 0o600);
    clients.set(u.name, pair);
  }
  return {
    dir,
    ca: ca.toString('pem') + '\n',
    serving,
    saKey: join(dir, 'sa.key'),
    saPub: join(dir, 'sa.pub'),
    client: (name) => clients.get(name)!,
  };
}
