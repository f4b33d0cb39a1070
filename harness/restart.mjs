// A pod's restartPolicy Always for a host process (plain JavaScript: it runs in any working
// directory, before anything is compiled). Controllers exit to be restarted by the kubelet: e.g.
// codeflare-operator v1.15.0 (AppWrapper v1.0.4's Kueue dependency, "Workload API now available,
// triggering controller restart") once Kueue's CRDs appear. This runs the program again after each
// exit, with the kubelet's doubling back-off (here from 1 s, capped at 60 s), and writes a line to
// its log for each exit; SIGTERM stops the program and then itself.
import { spawn } from 'node:child_process';

const [bin, ...args] = process.argv.slice(2);
let child;
let stopping = false;
let restarts = 0;

function start() {
  child = spawn(bin, args, { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) process.exit(0);
    const delay = Math.min(1000 * 2 ** restarts, 60_000);
    restarts += 1;
    process.stdout.write(`codeflare-matrix: ${bin} exited (${signal ?? `code ${code}`}); restart ${restarts} in ${delay / 1000} s\n`);
    setTimeout(start, delay);
  });
}

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    stopping = true;
    if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(0);
    child.kill('SIGTERM');
  });
}
start();
