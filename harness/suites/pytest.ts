// The pytest kind (a Python component's own e2e, e.g. a `tests/e2e` folder with markers): run in the
// cell's virtualenv of that component, from the component's git tree at the cell's version (a wheel
// carries no tests), with the pytest and plugins the tree's own test group pins. Tests are listed by
// `pytest --collect-only` (those the catalog's marker leaves out are reported as such, by name), the
// applicable ones run by node id with `--junitxml`, and each testcase of pytest's JUnit XML is one
// result under its node id (read by the venv's own xml.etree: no XML parser of ours).
import { existsSync, mkdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { run } from '../../lib/exec.js';
import { withLock } from '../toolchain/lock.js';
import { codeOf, durationMs, suitesHome } from './go-test.js';
export { pythonTree } from '../components/pytree.js';
import type { PreparedSuite, SuiteKind } from './kind.js';
import type { Outcome, UpstreamTest } from './test2json.js';

/** The tree's pinned pytest and plugins: poetry's test group (or dev-dependencies), PEP 735's test group. Exact pins stay exact, ^ and ~ become ranges. */
const TOOLS = String.raw`
import json, re, sys
try:
    import tomllib
except ImportError:
    try:
        import tomli as tomllib
    except ImportError:
        tomllib = None
deps = {}
try:
    with open(sys.argv[1], 'rb') as f:
        d = tomllib.load(f) if tomllib else {}
except FileNotFoundError:
    d = {}
poetry = d.get('tool', {}).get('poetry', {})
deps.update(poetry.get('dev-dependencies', {}))
deps.update(poetry.get('group', {}).get('test', {}).get('dependencies', {}))
out = [r for r in d.get('dependency-groups', {}).get('test', []) if isinstance(r, str) and r.startswith('pytest')]
def pep440(v):
    m = re.fullmatch(r'([\^~]?)(\d+)(?:\.(\d+))?(?:\.(\d+))?', v.strip())
    if not m:
        return ''
    op, major, minor = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    base = v.strip().lstrip('^~')
    if op == '':
        return '==' + base
    if op == '^':
        return '>=%s,<%s' % (base, ('%d' % (major + 1)) if major else ('0.%d' % (minor + 1)))
    return '>=%s,<%d.%d' % (base, major, minor + 1)
for name, spec in deps.items():
    if name.startswith('pytest'):
        out.append(name + pep440(spec if isinstance(spec, str) else spec.get('version', '')))
if not any(re.match(r'pytest\b(?!-)', r) for r in out):
    out.append('pytest')
print(json.dumps(out))
`;

/** pytest's JUnit XML (junit_family=xunit1: file and line on each testcase) as JSON, one entry per testcase. */
const JUNIT = String.raw`
import json, sys
import xml.etree.ElementTree as ET
out = []
for tc in ET.parse(sys.argv[1]).getroot().iter('testcase'):
    bad = [c for c in tc if c.tag in ('failure', 'error')]
    skip = [c for c in tc if c.tag == 'skipped']
    text = lambda tag: ''.join((c.text or '') for c in tc if c.tag == tag)
    out.append({
        'classname': tc.get('classname', ''), 'name': tc.get('name', ''), 'file': tc.get('file', ''),
        'time': float(tc.get('time') or 0),
        'status': 'failed' if bad else 'skipped' if skip else 'passed',
        'message': (bad or skip or [None])[0].get('message', '') if (bad or skip) else '',
        'phase': bad[0].tag if bad else '',
        'detail': ''.join((c.text or '') for c in bad or skip),
        'out': text('system-out') + text('system-err'),
    })
print(json.dumps(out))
`;

export type JunitCase = { classname: string; name: string; file: string; time: number; status: 'passed' | 'failed' | 'skipped'; message: string; phase: string; detail: string; out: string };

/** A testcase's pytest node id: file::Class::name (classname is the file's module path, then its classes). */
export function nodeIdOf(c: Pick<JunitCase, 'classname' | 'name' | 'file'>): string {
  const module = c.file.replace(/\.py$/, '').replace(/[\\/]/g, '.');
  const classes = c.classname.startsWith(`${module}.`) ? c.classname.slice(module.length + 1).split('.') : [];
  return [c.file, ...classes, c.name].join('::');
}

/**
 * One result per testcase: a failure or error failed (its message the reason), a skip not applicable
 * with pytest's reason. pytest's JUnit XML has no start time per testcase (only the suite's), so a
 * test has no time window of its own: the suite's stands for it (harness/suites/index.ts).
 */
export function junitResults(cases: JunitCase[]): UpstreamTest[] {
  return cases.map((c): UpstreamTest => {
    const status: Outcome = c.status === 'passed' ? 'passed' : c.status === 'failed' ? 'failed' : 'not-applicable';
    const first = (c.message || c.detail).trim().split('\n')[0]!.replace(/\s+/g, ' ').slice(0, 300);
    // pytest's skip message is "reason" or "file:line: reason"
    const reason = status === 'passed' ? undefined : status === 'failed' ? `${c.phase === 'error' ? 'error in setup or teardown: ' : ''}${first || 'failed'}` : first.replace(/^[^\s:]+:\d+: /, '') || 'skipped by the suite';
    return { name: nodeIdOf(c), status, ...(reason ? { reason } : {}), durationMs: Math.round(c.time * 1000), steps: [], output: `${c.out}${c.detail ? `\n${c.detail}\n` : ''}` };
  });
}

/** Node ids pytest --collect-only -q prints (lines up to the first blank one), and the files it could not collect. */
export function parseCollected(stdout: string): { ids: string[]; errors: string[] } {
  const ids: string[] = [];
  const errors: string[] = [];
  for (const line of stdout.split('\n')) {
    if (/^[^\s].*::/.test(line) && !line.startsWith('ERROR')) ids.push(line.trim());
    const e = /^ERROR (\S+)/.exec(line);
    if (e) errors.push(line.trim());
  }
  return { ids, errors };
}


export const pytest: SuiteKind = {
  async prepare(source, suite, ctx) {
    const python = ctx.python;
    if (!python) throw new Error(`the ${suite.kind} suite of ${suite.component} needs the cell's Python virtualenv of it, and this cell has none`);
    // a PyPI component's tests come from a git tree of it (the wheel has none)
    const code = codeOf(source, suite, 'git');
    // The tree's own pins of pytest and its plugins, installed into the venv (one at a time per venv).
    const tools = JSON.parse((await run(python, ['-c', TOOLS, join(source.dir, 'pyproject.toml')])).stdout || '[]') as string[];
    const venv = dirname(dirname(python));
    const logFile = join(suitesHome(), 'pytest', `${venv.replace(/[^\w.-]+/g, '_').slice(-80)}.log`);
    mkdirSync(dirname(logFile), { recursive: true });
    await withLock(`${venv}.pytest.lock`, async () => {
      const r = await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...tools], { timeout: 15 * 60_000 });
      await writeFile(logFile, r.all);
      if (!r.ok) throw new Error(`installing ${tools.join(' ')} into ${venv} failed (log ${logFile}): ${r.stderr.trim().split('\n').pop()}`);
    }, { log: ctx.log ?? (() => {}), what: `pytest in ${venv}` });
    const version = (await run(python, ['-c', 'import pytest, sys; print(pytest.__version__, "%d.%d.%d" % sys.version_info[:3])'])).stdout.trim().split(' ');
    code.tools = tools;
    code.python = version[1];
    code.pytest = version[0];
    // Nothing is written into the tree (a checkout, or a read-only materialised one): no cache, no bytecode.
    const base = ['-m', 'pytest', '-p', 'no:cacheprovider', '--color=no', '--rootdir', source.dir];
    const path = [ctx.vars.kubectl ? dirname(ctx.vars.kubectl) : undefined, process.env.PATH].filter(Boolean).join(delimiter);
    const baseEnv = { PYTHONDONTWRITEBYTECODE: '1', PATH: path };
    const collect = async (marker?: string) => {
      const r = await run(python, [...base, '--collect-only', '-q', ...(marker ? ['-m', marker] : []), suite.package], { cwd: source.dir, env: baseEnv });
      const c = parseCollected(r.stdout);
      // 5: nothing collected (every test deselected), a result like any other
      if (c.errors.length || (!r.ok && r.exitCode !== 5)) throw new Error(`pytest could not collect ${suite.package} of ${suite.component} ${source.resolved}: ${c.errors.join('; ') || r.all.trim().split('\n').slice(-3).join(' ')}`);
      return c.ids;
    };
    const prepared: PreparedSuite = {
      async list() {
        const all = await collect();
        if (!suite.marker) return all.map((name) => ({ name }));
        const kept = new Set(await collect(suite.marker));
        return all.map((name) => (kept.has(name) ? { name } : { name, reason: `not selected by the catalog's marker expression ${suite.marker}` }));
      },
      async run(tests, env, outDir) {
        await mkdir(outDir, { recursive: true });
        const junit = join(outDir, 'junit.xml');
        const log = join(outDir, 'pytest.log');
        // each test as it ends, from pytest -v's own lines (`node::id PASSED [ 50%]`), to the suite's log and the run's progress line
        let done = 0;
        const progress = function* (line: unknown) {
          const m = /^(\S+::\S+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b/.exec(String(line));
          if (m) ctx.log?.(`${m[1]} ${m[2]!.toLowerCase()} (${++done} of ${tests.length})`);
          yield line;
        };
        const r = await run(python, [...base, '-v', '-rA', '-o', 'junit_family=xunit1', '-o', 'junit_logging=all', `--junitxml=${junit}`, ...tests], { cwd: source.dir, env: { ...baseEnv, ...env }, timeout: durationMs(suite.timeout), all: true, stdout: [progress] });
        await writeFile(log, r.all);
        if (!existsSync(junit)) return { tests: [], log };
        const parsed = await run(python, ['-c', JUNIT, junit]);
        if (!parsed.ok) throw new Error(`reading pytest's JUnit XML ${junit}: ${parsed.stderr.trim().split('\n').pop()}`);
        return { tests: junitResults(JSON.parse(parsed.stdout) as JunitCase[]), log };
      },
    };
    return { code, run: prepared };
  },
};
