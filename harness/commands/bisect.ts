// `codeflare-matrix bisect`: the first commit of a component between a good and a bad revision at
// which a test fails, each midpoint built from the component's git source (a commit that does not
// build is skipped, as `git bisect run` skips on exit 125) and only that test run again. Two forms:
// - a cell's test (--results RUN/results.json --cell ID --test TITLE): each probe runs the cell's
//   stack with the component at the commit through the engine, a run folder of its own;
// - a Go test of the component (COMPONENT GOOD BAD --test NAME): go test in its tree.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { UserError } from '../../lib/errors.js';
import { writeAtomic } from '../../lib/files.js';
import type { Outcome } from '../../reports/bisect.js';
import type { ComponentId } from '../../matrix/catalog/index.js';
import type { Probe } from '../run/bisect.js';

type Opts = { test: string; package: string; git?: string; config?: string; json?: boolean; results?: string; cell?: string; component?: ComponentId; good?: string; out?: string };

export function bisectCommand(): Command {
  return new Command('bisect')
    .description("the first commit of a component between GOOD and BAD at which a test fails: each midpoint built from the component's git source, only that test run again (a commit that does not build is skipped)")
    .argument('[component]', 'Go test form: a component id of the catalog (its git source from the sources file, or --git)')
    .argument('[good]', 'Go test form: a revision where the test passes (the baseline: a tag, a commit)')
    .argument('[bad]', 'Go test form: a later revision where it fails (the candidate)')
    .requiredOption('--test <name>', 'the test: with --results, one of the cell (its title, "suite › title", or the title\'s last part); else the Go test (go test -run ^NAME$)')
    .option('--results <file>', 'cell form: a run\'s results.json (plan.json beside it): bisect a test that failed in a cell against its baseline')
    .option('--cell <id>', 'cell form: the cell (default: the one cell where the test failed)')
    .option('--component <id>', 'cell form: the component to bisect (default: the one with a git source whose version moved between the cell and its baseline)')
    .option('--good <rev>', 'cell form: the good revision (default: the baseline\'s version of the component, the commit that ran)')
    .option('-o, --out <dir>', 'cell form: the bisection\'s folder, a run folder per probe (default out/bisect/<cell>-<time>)')
    .option('--package <pkg>', 'Go test form: the package that holds the test', '.')
    .option('--git <repo>', "Go test form: the component's git repository (default: its source in the sources file)")
    .option('-c, --config <file>', 'Go test form: a matrix config whose sources: name the repository')
    .option('--json', 'print the bisection as JSON')
    .addHelpText(
      'after',
      `
The cell form runs, per probe, the cell's stack (its versions, Kubernetes, provider, era, as its plan.json has
them) with the component at the probe's commit — its tag, or its Go pseudo-version, which the catalog places
between the releases around it — and only the test. The test passed: good; failed: bad; the component did not
build, the setup failed, the test was blocked, not applicable or flaky: skip (with why). GOOD is probed first
where the baseline's result does not vouch for it (another stack, or the test did not pass there).

Exit status: 0 the first bad commit found, 1 the test does not pass at GOOD with the cell's stack (the cause is
not this component), 2 bad input (no such cell or test, a test that did not fail, GOOD no ancestor of BAD,
no git source; Go form: the test passes at BAD), 130 interrupted.`,
    )
    .action(async (id: string | undefined, good: string | undefined, bad: string | undefined, o: Opts) => {
      if (o.results) {
        if (id !== undefined) throw new UserError(`the cell form takes no COMPONENT GOOD BAD (got "${[id, good, bad].filter(Boolean).join(' ')}")`, 'bisect', 'pass --component and --good with --results, or leave --results out for the Go test form');
        return cellBisect(o);
      }
      for (const flag of ['cell', 'component', 'good', 'out'] as const) if (o[flag] !== undefined) throw new UserError(`--${flag} is of the cell form`, `--${flag}`, 'pass --results RUN/results.json with it');
      if (!id || !good || !bad) throw new UserError('the Go test form needs COMPONENT GOOD BAD', 'bisect', 'e.g. bisect kuberay v1.1.0 v1.2.0 --test TestX, or bisect --results RUN/results.json --test TITLE for a cell\'s test');
      return goBisect(id, good, bad, o);
    });
}

const clock = (ms: number) => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** A cell's test, bisected over the component that moved between the cell and its baseline. */
async function cellBisect(o: Opts): Promise<void> {
  const [{ loadCatalog }, { readResults }, { loadSources, commitVersion }, { bisect, testOf }, { cellTarget, runProbe, Interrupted }, { checkOutput }] = await Promise.all([
    import('../../matrix/catalog/index.js'), import('../../model/results.js'), import('../components/git.js'), import('../../reports/bisect.js'), import('../run/bisect.js'), import('../../lib/files.js'),
  ]);
  const catalog = loadCatalog();
  const results = readResults(o.results!);
  const target = cellTarget(results, catalog, { results: o.results!, test: o.test, ...(o.cell ? { cell: o.cell } : {}), ...(o.component ? { component: o.component } : {}), ...(o.good ? { good: o.good } : {}), sources: loadSources() });
  const { component: id, repo, test } = target;
  // what can be refused is refused before anything is made
  const commitOf = async (rev: string, flag: string) => {
    const c = (await execa('git', ['-C', repo, 'rev-parse', '--verify', `${rev}^{commit}`], { reject: false })).stdout.trim();
    if (!c) throw new UserError(`no revision ${rev} in ${repo}`, flag, `fetch it there (git -C ${repo} fetch --tags)${flag === '--good' ? ', or pass another --good' : ''}`);
    return c;
  };
  const goodCommit = await commitOf(target.good.rev, o.good ? '--good' : o.results!);
  const badCommit = await commitOf(target.bad.rev, o.results!);
  if (goodCommit === badCommit) throw new UserError(`GOOD ${target.good.rev} and BAD ${target.bad.rev} are one commit, ${goodCommit.slice(0, 12)}: nothing between them`, o.good ? '--good' : o.results!, 'pass --good with an earlier revision');
  if ((await execa('git', ['-C', repo, 'merge-base', '--is-ancestor', goodCommit, badCommit], { reject: false })).exitCode !== 0) throw new UserError(`GOOD ${target.good.rev} is not an ancestor of BAD ${target.bad.rev} in ${repo}`, o.good ? '--good' : o.results!, 'pass --good with a revision BAD descends from');
  const out = resolve(o.out ?? join('out', 'bisect', `${target.cell.id}-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  checkOutput(out, o.out ? '--out' : 'bisect folder', 'folder');
  if (existsSync(out) && readdirSync(out).length) throw new UserError('the folder is not empty (an earlier bisection?)', o.out ? '--out' : out, 'pass a new -o folder: each probe is a run folder of its own in it');
  mkdirSync(out, { recursive: true });
  const at = (dir: string) => relative(process.cwd(), dir) || '.';
  const say = (line: string) => process.stderr.write(`${line}\n`);
  say(`bisect ${id} ${target.good.version} → ${target.bad.version} for "${test.suite} › ${test.title}" in ${target.cell.id}; probes in ${at(out)}/`);
  const started = Date.now();
  const probes: Probe[] = [];
  const probe = async (commit: string): Promise<Outcome> => {
    const n = String(probes.length + 1).padStart(2, '0');
    const dir = join(out, `${n}-${commit.slice(0, 12)}`);
    const logFile = `${dir}.log`;
    const subject = (await execa('git', ['-C', repo, 'log', '-1', '--format=%s', commit])).stdout.trim();
    say(`probe ${n}: ${commit.slice(0, 12)} ${subject} (log: ${at(logFile)})`);
    const version = await commitVersion(repo, id, commit);
    const p = await runProbe(catalog, target, commit, version, dir, (line) => appendFileSync(logFile, `${line}\n`));
    probes.push(p);
    say(`  → ${p.outcome}: ${p.why} (${clock(p.ms)})`);
    return p.outcome;
  };
  try {
    if (target.checkGood) {
      say(`GOOD is probed first: ${target.checkGood}`);
      if ((await probe(goodCommit)) !== 'good') {
        const p = probes[0]!;
        process.stderr.write(`codeflare-matrix: "${test.title}" does not pass at GOOD ${target.good.version} (${goodCommit.slice(0, 12)}) with the cell's stack: ${p.why}; the cause is not ${id} alone (probe: ${at(p.dir)})\n`);
        process.exitCode = 1;
        return;
      }
    }
    const b = await bisect(repo, goodCommit, badCommit, probe);
    const ms = Date.now() - started;
    const byCommit = (c: string) => probes.find((p) => p.commit === c);
    // each side's cell folder (its logs): a probe's, else the cell's or the baseline's in the results
    const side = (p: Probe | undefined) => p && { ...p, dir: join(p.dir, 'cells', p.cell) };
    const lastGood = side([...probes].reverse().find((p) => p.outcome === 'good'));
    // the first bad commit is BAD itself when no probe before it was bad: its result is the cell's own
    const firstBad = side(byCommit(b.first.commit));
    const ran = dirname(resolve(o.results!));
    const badSide = firstBad ?? { commit: b.first.commit, why: 'failed in the results (the cell itself)', test: testOf(target.result, test), dir: join(ran, target.result.artifacts ?? '') };
    const goodSide = lastGood ?? { commit: goodCommit, why: `passed on the baseline ${target.baseline?.id ?? ''}`.trim(), test: testOf(target.baseline, test), dir: join(ran, target.baseline?.artifacts ?? '') };
    const counts = (['good', 'bad', 'skip'] as const).map((k) => `${probes.filter((p) => p.outcome === k).length} ${k}`).join(', ');
    const report = {
      cell: target.cell.id,
      test: `${test.suite} › ${test.title}`,
      component: id,
      repository: repo,
      good: { ...target.good, commit: goodCommit },
      bad: { ...target.bad, commit: badCommit },
      first: b.first,
      skipped: b.skipped,
      range: b.range,
      probes: probes.map((p) => ({ commit: p.commit, version: p.version, cell: p.cell, outcome: p.outcome, why: p.why, seconds: Math.round(p.ms / 1000), dir: p.dir })),
      seconds: Math.round(ms / 1000),
      sides: { good: { commit: goodSide.commit, why: goodSide.why, errors: goodSide.test?.errors ?? [], dir: goodSide.dir }, bad: { commit: badSide.commit, why: badSide.why, errors: badSide.test?.errors ?? [], dir: badSide.dir } },
    };
    writeAtomic(join(out, 'bisect.json'), `${JSON.stringify(report, null, 2)}\n`);
    if (o.json) return console.log(JSON.stringify(report, null, 2));
    const lines = [
      `first bad commit of ${id} for "${test.suite} › ${test.title}" in ${target.cell.id}: ${b.first.commit} ${b.first.subject}`,
      ...(b.skipped.length ? [`  (or one of the commits before it that could not be judged: ${b.skipped.map((c) => c.slice(0, 12)).join(', ')})`] : []),
      `  ${probes.length} builds and runs of the cell (${counts}) over ${b.range} commits between ${target.good.version} ${goodCommit.slice(0, 12)} and ${target.bad.version} ${badCommit.slice(0, 12)}, ${clock(ms)}`,
      ...probes.map((p, i) => `  ${String(i + 1).padStart(2, '0')} ${p.commit.slice(0, 12)} ${p.outcome.padEnd(4)} ${clock(p.ms)}  ${p.why.slice(0, 160)}  ${at(p.dir)}/`),
      '',
      `last good ${goodSide.commit.slice(0, 12)} (${at(goodSide.dir)}/): ${goodSide.why}`,
      `first bad ${badSide.commit.slice(0, 12)} (${at(badSide.dir)}/):`,
      ...(badSide.test?.errors[0] ?? badSide.why).trim().split('\n').slice(0, 12).map((l) => `    ${l}`),
      '',
      `bisection: ${at(join(out, 'bisect.json'))}`,
    ];
    console.log(lines.join('\n'));
  } catch (e) {
    if (!(e instanceof Interrupted)) throw e;
    process.stderr.write(`codeflare-matrix: ${e.message}; the probes so far are in ${at(out)}\n`);
    process.exitCode = 130;
  }
}

/** A Go test of the component, in its tree at each midpoint. */
async function goBisect(id: string, good: string, bad: string, o: Opts): Promise<void> {
  const [{ loadCatalog }, { loadConfig }, { loadSources }, { bisect }, { goEnv }] = await Promise.all([
    import('../../matrix/catalog/index.js'), import('../../matrix/config.js'), import('../components/git.js'), import('../../reports/bisect.js'), import('../toolchain/gomod.js'),
  ]);
  const catalog = loadCatalog();
  const c = catalog.components.find((x) => x.id === id);
  if (!c || c.source.kind !== 'go') throw new UserError(`${id} is not a Go component of the catalog`, '<component>', 'name one of: ' + catalog.components.filter((x) => x.source.kind === 'go').map((x) => x.id).join(', '));
  const loaded = o.config ? loadConfig(o.config) : undefined;
  const repo = o.git ?? loadSources(loaded?.text, loaded?.path)[id]?.git;
  if (!repo) throw new UserError(`no git repository of ${id}`, '--git', `pass --git PATH, or name ${id} in the sources file`);
  const logs = new Map<string, string>();
  const started = Date.now();
  const probe = async (commit: string, quiet = false): Promise<Outcome> => {
    const say = (what: string) => quiet || process.stderr.write(`${commit.slice(0, 12)} ${what}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'cfm-bisect-'));
    try {
      await execa('git', ['-C', repo, 'archive', commit]).pipe('tar', ['-x', '-C', dir]);
      const env = goEnv();
      const build = await execa('go', ['build', './...'], { cwd: dir, env, reject: false, all: true });
      if (build.exitCode !== 0) {
        logs.set(commit, String(build.all));
        say('skip (does not build)');
        return 'skip';
      }
      const t = await execa('go', ['test', '-count=1', '-run', `^${o.test}$`, o.package], { cwd: dir, env, reject: false, all: true });
      logs.set(commit, String(t.all));
      const outcome = t.exitCode === 0 && !/no tests to run/.test(String(t.all)) ? 'good' : t.exitCode === 0 ? 'skip' : 'bad';
      say(outcome);
      return outcome;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // The candidate must fail the test, as the regression said; it is the log of the bad side if nothing later is.
  const badCommit = (await execa('git', ['-C', repo, 'rev-parse', '--verify', `${bad}^{commit}`], { reject: false })).stdout.trim();
  if (!badCommit) throw new UserError(`no revision ${bad}`, repo, 'name a tag or commit of this repository');
  const atBad = await probe(badCommit, true);
  if (atBad !== 'bad') throw new UserError(`${o.test} ${atBad === 'good' ? 'passes' : 'cannot be judged'} at ${bad}`, repo, 'name a BAD revision where the test fails');
  const b = await bisect(repo, good, bad, (commit) => probe(commit));
  const lastGood = [...b.steps].reverse().find((s) => s.outcome === 'good')?.commit;
  const seconds = Math.round((Date.now() - started) / 1000);
  if (o.json) return console.log(JSON.stringify({ component: id, repository: repo, good, bad, test: o.test, ...b, seconds, log: { good: lastGood ? logs.get(lastGood) : undefined, bad: logs.get(b.first.commit) } }, null, 2));
  console.log(`first bad commit of ${id} for ${o.test}: ${b.first.commit} ${b.first.subject}`);
  if (b.skipped.length) console.log(`  (or one of the commits before it that do not build: ${b.skipped.join(', ')})`);
  console.log(`  ${b.steps.length + 1} builds and test runs over ${b.range} commits (BAD first), ${seconds}s`);
  const tail = (s: string | undefined) => (s ?? '').trim().split('\n').slice(-15).map((l) => `    ${l}`).join('\n');
  if (lastGood) console.log(`\nlast good ${lastGood.slice(0, 12)}:\n${tail(logs.get(lastGood))}`);
  console.log(`\nfirst bad ${b.first.commit.slice(0, 12)}:\n${tail(logs.get(b.first.commit))}`);
}
