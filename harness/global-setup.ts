// Before every test run: the janitor removes what killed runs left (clusters whose owner is gone,
// processes of ours without a cluster), found by the harness's own markers.
import { janitor } from './providers/janitor.js';

export default async function globalSetup(): Promise<void> {
  await janitor({ log: (line) => console.log(`janitor: ${line}`) });
}
