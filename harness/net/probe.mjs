// One readiness probe, run inside a network namespace by nsenter (plain JavaScript: no build, no
// loader): GET the URL and, given a port, connect to it on the URL's host. Prints
// {"status": <HTTP status, 0 for no answer>, "accepts": <the port took the connection>} and exits 0.
import http from 'node:http';
import { connect } from 'node:net';

const [url, port] = process.argv.slice(2);

const status = await new Promise((resolve) => {
  const req = http.get(url, { timeout: 2000, agent: false }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
  });
  req.on('timeout', () => req.destroy());
  req.on('error', () => resolve(0));
});
const accepts = !port || (await new Promise((resolve) => {
  const c = connect({ host: new URL(url).hostname, port: Number(port) });
  c.setTimeout(2000, () => (c.destroy(), resolve(false)));
  c.once('connect', () => (c.destroy(), resolve(true)));
  c.once('error', () => resolve(false));
}));
console.log(JSON.stringify({ status, accepts }));
