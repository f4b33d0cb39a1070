// `codeflare-matrix bisect COMPONENT GOOD BAD --test NAME`: the first commit of a component (from its
// git source) between a good and a bad revision at which one of its Go tests fails: at each midpoint
// the tree is built (a commit that does not build is skipped) and only that test runs again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { execa } from 'execa';
import { UserError } from '../../lib/errors.js';
import type { Outcome } from '../../reports/bisect.js';

type Opts = { test: string; package: string; git?: string; config?: string; json?: boolean };

export function bisectCommand(): Command {
  return new Command('bisect')
    .description("the first commit of a component between GOOD and BAD at which a test fails: each midpoint built from the component's git source, only that test run again (a commit that does not build is skipped)")
    .argument('<component>', 'a component id of the catalog (its git source from the sources file, or --git)')
    .argument('<good>', 'a revision where the test passes (the baseline: a tag, a commit)')
    .argument('<bad>', 'a later revision where it fails (the candidate)')
    .requiredOption('--test <name>', 'the Go test to run again (go test -run ^NAME$)')
    .option('--package <pkg>', 'the package that holds the test', '.')
    .option('--git <repo>', "the component's git repository (default: its source in the sources file)")
    .option('-c, --config <file>', 'a matrix config whose sources: name the repository')
    .option('--json', 'print the bisection as JSON')
    .addHelpText('after', '\nExit status: 0 the first bad commit found, 2 bad input (the test passes at BAD, GOOD is no ancestor of BAD, no repository).')
    .action(async (id: string, good: string, bad: string, o: Opts) => {
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
    });
}
