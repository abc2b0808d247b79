// The local Lambda runtime's child process (one "container"): loads the handler from the extracted bundle once, then
// runs invocations one at a time as the parent sends them. Each answer is { requestId, ok, payload } over IPC, where
// payload is the result JSON or { errorType, errorMessage, trace }; an end marker on stdout tells the parent that the
// invocation's log output is complete (the stdout pipe and the IPC channel are not ordered with each other).
'use strict';

const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

// Lambda merges both streams into one log: console.error goes through stdout too, in order with console.log.
process.stderr.write = process.stdout.write.bind(process.stdout);

/** The invocation being run: { requestId, settled }. */
let current;
let handlerPromise;

// The function declares e.g. nodejs22.x but runs on this machine's Node: drop the SDK's "unsupported Node version"
// warning, an artefact of the emulation that would otherwise open every invocation's log.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  const text = typeof warning === 'string' ? warning : warning && warning.message;
  if (typeof text === 'string' && text.startsWith('NodeVersionSupportWarning')) return;
  emitWarning(warning, ...rest);
};

function errorPayload(error, errorTypeOverride) {
  if (error !== null && typeof error === 'object') {
    const errorType = errorTypeOverride || (typeof error.name === 'string' && error.name) || 'Error';
    return {
      errorType,
      errorMessage: String(error.message ?? ''),
      trace: typeof error.stack === 'string' ? error.stack.split('\n') : [],
    };
  }
  return { errorType: errorTypeOverride || typeof error, errorMessage: String(error), trace: [] };
}

/** Reports the current invocation once; `exitAfter` retires the container (runtime crash, failed init). */
function finish(requestId, outcome, exitAfter = false) {
  if (!current || current.requestId !== requestId || current.settled) return;
  current.settled = true;
  let message;
  try {
    message = {
      requestId,
      exiting: exitAfter,
      ok: outcome.ok,
      payload: JSON.stringify(outcome.payload === undefined ? null : outcome.payload),
    };
  } catch (error) {
    message = {
      requestId,
      exiting: exitAfter,
      ok: false,
      payload: JSON.stringify(errorPayload(error, 'Runtime.MalformedResponse')),
    };
  }
  const marker = `\u001eLOCAL_CLOUD_END:${requestId}\u001e\n`;
  process.stdout.write(marker);
  process.send(message, () => {
    if (exitAfter) process.exit(0);
  });
}

function crash(payload) {
  if (current && !current.settled) finish(current.requestId, { ok: false, payload }, true);
  else process.exit(1);
}

process.on('uncaughtException', (error) => crash(errorPayload(error)));
process.on('unhandledRejection', (reason) => crash(errorPayload(reason, 'Runtime.UnhandledPromiseRejection')));

async function loadHandler(taskRoot, handlerSetting) {
  const dot = handlerSetting.lastIndexOf('.');
  if (dot <= 0 || dot === handlerSetting.length - 1) {
    const error = new Error(`Bad handler ${handlerSetting}: expected <file>.<export>`);
    error.name = 'Runtime.MalformedHandlerName';
    throw error;
  }
  const modulePath = handlerSetting.slice(0, dot);
  const exportPath = handlerSetting.slice(dot + 1);
  const base = path.resolve(taskRoot, modulePath);
  const file = ['.js', '.cjs', '.mjs'].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
  if (!file) {
    const error = new Error(`Error: Cannot find module '${modulePath}'\nRequire stack:\n- ${module.filename}`);
    error.name = 'Runtime.ImportModuleError';
    throw error;
  }
  let loaded;
  try {
    if (file.endsWith('.mjs')) loaded = await import(pathToFileURL(file).href);
    else {
      try {
        loaded = require(file);
      } catch (error) {
        if (error && error.code === 'ERR_REQUIRE_ESM') loaded = await import(pathToFileURL(file).href);
        else throw error;
      }
    }
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    const wrapped = new Error(`SyntaxError: ${error.message}`);
    wrapped.name = 'Runtime.UserCodeSyntaxError';
    wrapped.stack = error.stack;
    throw wrapped;
  }
  let handler = loaded;
  for (const part of exportPath.split('.')) handler = handler == null ? undefined : handler[part];
  if (typeof handler !== 'function') {
    const error = new Error(`${handlerSetting} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return handler;
}

process.on('message', async (invocation) => {
  if (invocation.prewarm) {
    // Init ahead of the first invocation (as provisioned concurrency does); a failed init ends this container, so
    // the invocation that follows gets a fresh one and reports the failure with its own logs.
    handlerPromise ??= loadHandler(invocation.prewarm.taskRoot, invocation.prewarm.handler);
    handlerPromise.then(
      () => process.send({ prewarmed: true }),
      // An invocation already waiting on this init reports it and ends the container itself.
      () => process.send({ prewarmed: false }, () => current || process.exit(0)),
    );
    return;
  }
  const { requestId, taskRoot, handler: handlerSetting, eventJson, context: contextInfo, deadlineMs } = invocation;
  current = { requestId, settled: false };
  let handler;
  try {
    handlerPromise ??= loadHandler(taskRoot, handlerSetting);
    handler = await handlerPromise;
  } catch (error) {
    // A failed init is retried by a fresh container, as Lambda does.
    finish(requestId, { ok: false, payload: errorPayload(error) }, true);
    return;
  }
  try {
    const callback = (error, result) =>
      error
        ? finish(requestId, { ok: false, payload: errorPayload(error) })
        : finish(requestId, { ok: true, payload: result });
    const context = {
      ...contextInfo,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
      done: callback,
      succeed: (result) => callback(null, result),
      fail: (error) => callback(error || new Error('handled')),
    };
    const returned = handler(JSON.parse(eventJson), context, callback);
    if (returned && typeof returned.then === 'function') {
      const result = await returned;
      finish(requestId, { ok: true, payload: result });
    }
    // Otherwise a callback-style handler answers through `callback`; the parent's timeout covers one that never does.
  } catch (error) {
    finish(requestId, { ok: false, payload: errorPayload(error) });
  }
});
