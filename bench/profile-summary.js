// `node bench/profile-summary.js <file.cpuprofile> [top]`: where a CPU profile of the service spent its time,
// by function (self time) and by package (self time of every function in it). Plain Node: a .cpuprofile is JSON.
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/profile-summary.js <file.cpuprofile> [top]\n');
  process.exit(2);
}
const top = Number(topArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));

const nodesById = new Map(profile.nodes.map((node) => [node.id, node]));
const sampleCounts = new Map();
for (const id of profile.samples) sampleCounts.set(id, (sampleCounts.get(id) ?? 0) + 1);
const total = profile.samples.length;

/** node_modules/<package> (or @scope/package), the project's own file under dist/, or the runtime. */
function packageOf(url) {
  if (!url) return '(runtime)';
  const inModules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
  if (inModules) return inModules.at(-1).replace('node_modules/', '');
  const own = url.match(/\/dist\/([^/]+)\//);
  if (own) return `service: ${own[1]}`;
  if (url.startsWith('node:')) return 'node: core';
  return url;
}

const byFunction = new Map();
const byPackage = new Map();
for (const [id, count] of sampleCounts) {
  const { callFrame } = nodesById.get(id);
  const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/dist\//, 'dist/')}:${callFrame.lineNumber + 1}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + count);
  const pkg = packageOf(callFrame.url);
  byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + count);
}

const percent = (count) => `${((100 * count) / total).toFixed(1).padStart(5)}%`;
const print = (title, entries) => {
  process.stdout.write(`\n${title}\n`);
  for (const [name, count] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${percent(count)}  ${name}\n`);
};
process.stdout.write(`${total} samples, ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s\n`);
print('self time by package', byPackage);
print('self time by function', byFunction);
