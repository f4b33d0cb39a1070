// A finished run folder holds no credential: what the Action and the workflow upload is safe to share.
import { test, expect } from '@playwright/test';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../testing.js';
import { removeSecrets } from './secrets.js';

test('kubeconfigs and private keys are removed from a run folder; logs, results and reports stay', () => {
  const dir = scratchDir('cfm-secrets');
  const put = (rel: string, text: string) => {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const kubeconfig = 'apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    client-certificate-data: LS0t\n    client-key-data: LS0tLS1CRUdJTi\n';
  put('cells/e-k1.31-opnone-1/test-results/sdk-test/sdk-home/.kube/config', kubeconfig);
  put('cells/e-k1.31-opnone-1/kept/cluster.yaml', kubeconfig); // by content, whatever its name
  put('cells/e-k1.31-opnone-1/kubeconfig', 'anything');
  put('cells/e-k1.31-opnone-1/pki/apiserver.key', 'anything');
  put('cells/e-k1.31-opnone-1/pki/token.yaml', 'users:\n- user:\n    token: abc123\n');
  put('cells/e-k1.31-opnone-1/pki/webhook.pem', '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n');
  const kept = ['results.json', 'junit.xml', 'report.html', 'cells/e-k1.31-opnone-1/logs/kuberay-operator.log', 'cells/e-k1.31-opnone-1/pki/ca.crt'];
  put('results.json', '{"schema": 1}');
  put('junit.xml', '<testsuites/>');
  put('report.html', '<p>kubeconfig of the cell: removed</p>');
  put('cells/e-k1.31-opnone-1/logs/kuberay-operator.log', 'starting manager\n');
  put('cells/e-k1.31-opnone-1/pki/ca.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'); // a certificate is public
  expect(removeSecrets(dir).sort()).toEqual([
    'cells/e-k1.31-opnone-1/kept/cluster.yaml',
    'cells/e-k1.31-opnone-1/kubeconfig',
    'cells/e-k1.31-opnone-1/pki/apiserver.key',
    'cells/e-k1.31-opnone-1/pki/token.yaml',
    'cells/e-k1.31-opnone-1/pki/webhook.pem',
    'cells/e-k1.31-opnone-1/test-results/sdk-test/sdk-home/.kube/config',
  ]);
  const left = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
  expect(left).toEqual([...kept].sort());
  expect(removeSecrets(dir)).toEqual([]);
});
