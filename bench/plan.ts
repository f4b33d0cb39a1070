// Benchmark: planning time and cell count — pairwise on 6 axes × 5 values of the real catalog
// (beside the lower bound 25 and the full product), and full over the whole catalog.
// Run: node --import tsx bench/plan.ts [--runs 5]
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { loadCatalog, type ComponentId } from '../matrix/catalog/index.js';
import { parseConfig } from '../matrix/config.js';
import { plan, type Plan } from '../matrix/planner/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const runs = Number(values.runs);
const catalog = loadCatalog();
const tags = (id: ComponentId) => catalog.components.find((c) => c.id === id)!.versions.map((v) => v.tag);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function measure(config: object, n = runs): { ms: number; plan: Plan } {
  const loaded = parseConfig(stringify(config), 'bench.yaml');
  const times: number[] = [];
  let p!: Plan;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    p = plan(loaded, catalog);
    times.push(performance.now() - t);
  }
  return { ms: median(times), plan: p };
}

const excluded = (p: Plan) => Object.values(p.excludedCount).reduce((a, b) => a + b, 0);

// 6 axes × 5 values, era D (the era with the most independent axes).
const six = {
  kubernetes: ['1.29', '1.30', '1.31', '1.33', '1.35'],
  components: {
    'codeflare-operator': ['v1.12.0', 'v1.13.0', 'v1.14.0', 'v1.15.0', 'v1.16.0'],
    kuberay: ['v1.1.0', 'v1.1.1', 'v1.2.1', 'v1.2.2', 'v1.3.2'],
    'codeflare-sdk': ['v0.24.0', 'v0.25.0', 'v0.26.0', 'v0.27.0', 'v0.29.0'],
    kueue: ['v0.8.1', 'v0.8.3', 'v0.10.1', 'v0.11.4', 'v0.11.6'],
  },
};
const five = six.kubernetes.length * Object.values(six.components).reduce((a, v) => a * v.length, 1);
const pw = measure({ ...six, strategy: 'pairwise' });
const fu = measure({ ...six, strategy: 'full' });
console.log(`era D, 5 axes × 5 values (appwrapper fixed by the operator), median of ${runs}`);
console.log(`  pairwise  ${String(pw.plan.cells.length).padStart(6)} cells  ${pw.ms.toFixed(0).padStart(7)} ms   lower bound 25, uncoverable pairs ${pw.plan.uncoverable.length}`);
console.log(`  full      ${String(fu.plan.cells.length).padStart(6)} cells  ${fu.ms.toFixed(0).padStart(7)} ms   of ${five} combinations (${excluded(fu.plan)} excluded)`);
console.log(`  ratio pairwise/full cells: ${(pw.plan.cells.length / fu.plan.cells.length).toFixed(3)}`);

// Full over the whole catalog: every operator, KubeRay, SDK, Kueue and Kubernetes version.
const whole = {
  strategy: 'full',
  kubernetes: tags('kubernetes'),
  components: { 'codeflare-operator': tags('codeflare-operator'), kuberay: tags('kuberay'), 'codeflare-sdk': tags('codeflare-sdk'), kueue: tags('kueue') },
};
const w = measure(whole, 1);
const all = ['codeflare-operator', 'kuberay', 'codeflare-sdk', 'kueue'].reduce((a, id) => a * tags(id as ComponentId).length, tags('kubernetes').length);
console.log(`\nfull over the whole catalog (${tags('codeflare-operator').length} operators × ${tags('kuberay').length} KubeRay × ${tags('codeflare-sdk').length} SDK × ${tags('kueue').length} Kueue × ${tags('kubernetes').length} Kubernetes; one run)`);
console.log(`  ${w.plan.cells.length} valid cells of ${all} combinations (${excluded(w.plan)} excluded) in ${(w.ms / 1000).toFixed(1)} s`);
console.log(`  excluded by rule: ${Object.entries(w.plan.excludedCount).sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', ')}`);
const pww = measure({ ...whole, strategy: 'pairwise' }, 1);
console.log(`  pairwise over the same axes: ${pww.plan.cells.length} cells in ${(pww.ms / 1000).toFixed(1)} s (${pww.plan.uncoverable.length} pairs no valid cell can hold)`);
