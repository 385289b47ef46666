// Runs one Lambda handler as the Lambda runtime does: a fresh Node process imports the
// function's module from its unpacked zip, then calls `handler(event, context)` once.
// Plain JavaScript, so that any Node binary runs it as it is.
//
//   node invoke.mjs MODULE EVENT_FILE TIMEOUT_SECONDS [--trace-imports]
//
// The answer (or the error) and the timings go to file descriptor 3 as one JSON document; the
// handler's own log lines stay on stdout. Times are milliseconds since the process started
// (performance.timeOrigin), so they include Node's own start.
import { readFileSync, writeSync } from 'node:fs';
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

const [modulePath, eventPath, timeoutSeconds, trace] = process.argv.slice(2);
const event = JSON.parse(readFileSync(eventPath, 'utf8'));

// With --trace-imports, a loader hook reports every file the function loads (the chunks
// behind its dynamic imports included). It slows loading down: never combined with timing.
const loaded = [];
if (trace === '--trace-imports') {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => loaded.push(url));
  port1.unref();
  const hooks = `
    let port;
    export function initialize(data) { port = data.port; }
    export async function load(url, context, next) {
      if (url.startsWith('file:')) port.postMessage(url);
      return next(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, {
    data: { port: port2 },
    transferList: [port2],
  });
}

const started = performance.now();
const module = await import(pathToFileURL(modulePath).href);
const imported = performance.now();

const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const context = {
  awsRequestId: 'package-test',
  functionName: 'package-test',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
};
let outcome;
try {
  outcome = { answer: await module.handler(event, context) };
} catch (error) {
  outcome = { error: { name: error?.name, message: error?.message } };
}
const answered = performance.now();
// Loader messages still in flight arrive within a tick.
await new Promise((resolve) => setTimeout(resolve, trace ? 50 : 0));

const timings = {
  startMs: started,
  importMs: imported - started,
  handlerMs: answered - imported,
  totalMs: answered,
};
const report = { ...outcome, timings, maxRssKiB: process.resourceUsage().maxRSS, loaded };
writeSync(3, JSON.stringify(report));
// Lambda freezes the process once the answer is out; here open sockets would keep it alive.
process.exit(0);
