// Preloaded into a service under test (`node --expose-gc --import <this file> dist/main.js`): on SIGUSR2,
// a full garbage collection, then one line on stderr with process.memoryUsage(). A test that compares
// memory over time then compares what the process retains, not how much garbage awaits collection at
// that moment (under load the RSS of the service swings by a quarter between collections).
process.on('SIGUSR2', () => {
  globalThis.gc?.();
  process.stderr.write(`memory-probe ${JSON.stringify(process.memoryUsage())}\n`);
});
