import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { Signal } from '../src/signal.js';

// Resolves once every pending microtask, and the promise chains they start,
// has run: setImmediate callbacks come after the microtask queue is empty.
const flush = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const never = () => new Promise(() => {});

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// A signal whose onError calls are recorded in failures, as [error, info].
function recording(options = {}) {
  const failures = [];
  const signal = new Signal({ ...options, onError: (error, info) => failures.push([error, info]) });
  return { signal, failures };
}

// A listener that records its payloads in calls.
function spy() {
  const calls = [];
  const fn = (payload) => {
    calls.push(payload);
  };
  return { fn, calls };
}

// Checks that bad input left signal as it was: still size listeners, among
// them witness, which an emit still reaches.
function assertStillWorks(signal, witness, size) {
  assert.equal(signal.size, size);
  const before = witness.calls.length;
  signal.emit('still works');
  assert.deepEqual(witness.calls.slice(before), ['still works']);
}

/**
 * Checks that call(signal, key) throws method's TypeError for each [key,
 * type] of cases, on a signal that keeps working after every one.
 */
function assertKeysRefused(method, call, cases) {
  const signal = new Signal();
  const witness = spy();
  signal.addListener(witness.fn, 'witness');
  for (const [key, type] of cases) {
    assert.throws(() => call(signal, key), {
      name: 'TypeError',
      message: `${method}: key must be a string, got ${type}`,
    });
    assertStillWorks(signal, witness, 1);
  }
}

// Hangs instead of failing are the risk in the async tests: every test gets a
// generous limit.
const LIMIT = { timeout: 10_000 };

describe('constructor', () => {
  test('defaults to a sync, unnamed, empty signal', LIMIT, () => {
    const signal = new Signal();
    assert.equal(signal.async, false);
    assert.equal(signal.name, '');
    assert.equal(signal.size, 0);
    assert.deepEqual(signal.keys(), []);
  });

  test('takes async and name', LIMIT, () => {
    const signal = new Signal({ async: true, name: 'orders' });
    assert.equal(signal.async, true);
    assert.equal(signal.name, 'orders');
  });

  test('rejects bad options with a TypeError', LIMIT, () => {
    assert.throws(() => new Signal(null), { name: 'TypeError', message: 'Signal: options must be an object, got null' });
    assert.throws(() => new Signal(5), { name: 'TypeError', message: 'Signal: options must be an object, got number' });
    assert.throws(() => new Signal({ async: 'yes' }), {
      name: 'TypeError',
      message: 'Signal: async must be a boolean, got string',
    });
    assert.throws(() => new Signal({ name: 7 }), { name: 'TypeError', message: 'Signal: name must be a string, got number' });
    assert.throws(() => new Signal({ onError: null }), {
      name: 'TypeError',
      message: 'Signal: onError must be a function, got null',
    });
  });
});

describe('addListener', () => {
  test('returns the new listener count', LIMIT, () => {
    const signal = new Signal();
    assert.equal(signal.addListener(() => {}), 1);
    assert.equal(signal.addListener(() => {}, 'a'), 2);
    assert.equal(signal.addListener(() => {}, 'b'), 3);
    assert.equal(signal.size, 3);
  });

  test('returns -1 for a taken key, and the duplicate is never called', LIMIT, () => {
    const signal = new Signal();
    const first = spy();
    const second = spy();
    signal.addListener(first.fn, 'k');
    assert.equal(signal.addListener(second.fn, 'k'), -1);
    assert.equal(signal.addOnce(second.fn, 'k'), -1);
    assert.equal(signal.size, 1);
    signal.emit(1);
    assert.deepEqual(first.calls, [1]);
    assert.deepEqual(second.calls, []);
  });

  test('"" and undefined mean no key; unkeyed listeners never collide', LIMIT, () => {
    const signal = new Signal();
    assert.equal(signal.addListener(() => {}), 1);
    assert.equal(signal.addListener(() => {}, undefined), 2);
    assert.equal(signal.addListener(() => {}, ''), 3);
    assert.equal(signal.addOnce(() => {}, ''), 4);
    assert.deepEqual(signal.keys(), []);
    assert.equal(signal.hasKey(''), false);
    assert.equal(signal.removeListener(''), -1);
    assert.equal(signal.size, 4);
  });

  test('the same function may be added more than once', LIMIT, () => {
    const signal = new Signal();
    const listener = spy();
    signal.addListener(listener.fn);
    signal.addListener(listener.fn, 'again');
    signal.emit('x');
    assert.deepEqual(listener.calls, ['x', 'x']);
  });

  for (const method of ['addListener', 'addOnce']) {
    test(`${method} throws a TypeError for a listener that is not a function, and the signal still works`, LIMIT, () => {
      const signal = new Signal();
      const witness = spy();
      signal.addListener(witness.fn, 'witness');
      const cases = [
        [42, 'number'],
        [null, 'null'],
        [undefined, 'undefined'],
        ['fn', 'string'],
        [{ handleEvent() {} }, 'object'],
      ];
      for (const [value, type] of cases) {
        assert.throws(() => signal[method](value), {
          name: 'TypeError',
          message: `${method}: listener must be a function, got ${type}`,
        });
        assert.throws(() => signal[method](value, 'key'), TypeError);
        assertStillWorks(signal, witness, 1);
      }
      assert.deepEqual(signal.keys(), ['witness']);
    });

    test(`${method} throws a TypeError for a key that is not a string, and the signal still works`, LIMIT, () => {
      assertKeysRefused(method, (signal, key) => signal[method](() => {}, key), [
        [1, 'number'],
        [null, 'null'],
        [{}, 'object'],
        [Symbol('k'), 'symbol'],
        [true, 'boolean'],
      ]);
    });
  }
});

describe('removeListener', () => {
  test('returns the count left, or -1 for an unknown key or ""', LIMIT, () => {
    const signal = new Signal();
    signal.addListener(() => {}, 'a');
    signal.addListener(() => {});
    signal.addListener(() => {}, 'b');
    assert.equal(signal.removeListener('a'), 2);
    assert.equal(signal.removeListener('a'), -1);
    assert.equal(signal.removeListener('nope'), -1);
    assert.equal(signal.removeListener(''), -1);
    assert.equal(signal.removeListener('b'), 1);
    assert.equal(signal.size, 1);
    assert.equal(signal.hasKey('a'), false);
  });

  test('a removed listener is not called, and its key is free again', LIMIT, () => {
    const signal = new Signal();
    const old = spy();
    const fresh = spy();
    signal.addListener(old.fn, 'k');
    signal.removeListener('k');
    signal.emit(1);
    assert.equal(signal.addListener(fresh.fn, 'k'), 1);
    signal.emit(2);
    assert.deepEqual(old.calls, []);
    assert.deepEqual(fresh.calls, [2]);
  });

  test('throws a TypeError for a key that is not a string, and the signal still works', LIMIT, () => {
    assertKeysRefused('removeListener', (signal, key) => signal.removeListener(key), [
      [undefined, 'undefined'],
      [1, 'number'],
      [null, 'null'],
    ]);
  });
});

describe('keys and hasKey', () => {
  test('keys lists keyed listeners in registration order, skipping unkeyed ones', LIMIT, () => {
    const signal = new Signal();
    signal.addListener(() => {}, 'c');
    signal.addListener(() => {});
    signal.addOnce(() => {}, 'a');
    signal.addListener(() => {}, 'b');
    assert.deepEqual(signal.keys(), ['c', 'a', 'b']);
    signal.removeListener('a');
    signal.addListener(() => {}, 'a');
    assert.deepEqual(signal.keys(), ['c', 'b', 'a']);
  });

  test('keys returns a copy', LIMIT, () => {
    const signal = new Signal();
    signal.addListener(() => {}, 'a');
    signal.keys().push('b');
    assert.deepEqual(signal.keys(), ['a']);
    assert.equal(signal.hasKey('b'), false);
  });

  test('hasKey tells present keys from absent ones', LIMIT, () => {
    const signal = new Signal();
    signal.addListener(() => {}, 'a');
    signal.addOnce(() => {}, 'once');
    assert.equal(signal.hasKey('a'), true);
    assert.equal(signal.hasKey('once'), true);
    assert.equal(signal.hasKey('b'), false);
    assert.equal(signal.hasKey(''), false);
    signal.removeListener('a');
    assert.equal(signal.hasKey('a'), false);
  });

  test('hasKey throws a TypeError for a key that is not a string, and the signal still works', LIMIT, () => {
    const signal = new Signal();
    const witness = spy();
    signal.addListener(witness.fn, 'witness');
    assert.throws(() => signal.hasKey(3), { name: 'TypeError', message: 'hasKey: key must be a string, got number' });
    assert.throws(() => signal.hasKey(), { name: 'TypeError', message: 'hasKey: key must be a string, got undefined' });
    assertStillWorks(signal, witness, 1);
  });
});

describe('reset', () => {
  test('removes every listener, keyed or not, and frees their keys', LIMIT, () => {
    const signal = new Signal();
    const removed = spy();
    signal.addListener(removed.fn, 'a');
    signal.addListener(removed.fn);
    signal.addOnce(removed.fn, 'b');
    signal.reset();
    assert.equal(signal.size, 0);
    assert.deepEqual(signal.keys(), []);
    signal.emit(1);
    assert.deepEqual(removed.calls, []);
    const fresh = spy();
    assert.equal(signal.addListener(fresh.fn, 'a'), 1);
    signal.emit(2);
    assert.deepEqual(fresh.calls, [2]);
  });
});

describe('emit on a sync signal', () => {
  test('calls the listeners synchronously, in registration order, and returns undefined', LIMIT, () => {
    const signal = new Signal();
    const order = [];
    signal.addListener((p) => order.push(`a:${p}`), 'a');
    signal.addListener((p) => order.push(`b:${p}`));
    signal.addListener((p) => order.push(`c:${p}`), 'c');
    assert.equal(signal.emit(7), undefined);
    assert.deepEqual(order, ['a:7', 'b:7', 'c:7']);
  });

  test('keeps the order after removals and re-adds', LIMIT, () => {
    const signal = new Signal();
    let order = [];
    for (const key of ['a', 'b', 'c', 'd', 'e']) signal.addListener(() => order.push(key), key);
    signal.removeListener('b');
    signal.removeListener('a');
    signal.removeListener('e');
    signal.emit();
    assert.deepEqual(order, ['c', 'd']);
    order = [];
    signal.addListener(() => order.push('b'), 'b');
    signal.addListener(() => order.push('a'), 'a');
    signal.emit();
    assert.deepEqual(order, ['c', 'd', 'b', 'a']);
  });

  test('passes the payload and a never-aborted AbortSignal', LIMIT, () => {
    const signal = new Signal();
    const seen = [];
    signal.addListener((payload, context) => seen.push([payload, context]));
    const payload = { id: 1 };
    signal.emit(payload);
    signal.emit(payload);
    assert.equal(seen[0][0], payload);
    assert.ok(seen[0][1].signal instanceof AbortSignal);
    assert.equal(seen[0][1].signal.aborted, false);
    assert.equal(seen[1][1].signal, seen[0][1].signal, 'emits share one context signal');
  });

  test('a throwing listener goes to onError and the others still run', LIMIT, () => {
    const { signal, failures } = recording({ name: 'checkout' });
    const boom = new Error('boom');
    const after = spy();
    signal.addListener(() => {
      throw boom;
    }, 'validate');
    signal.addListener(() => {
      throw 'a string';
    });
    signal.addListener(after.fn);
    signal.emit('p');
    assert.deepEqual(after.calls, ['p']);
    assert.equal(failures.length, 2);
    assert.equal(failures[0][0], boom);
    assert.deepEqual(failures[0][1], { key: 'validate', name: 'checkout' });
    assert.equal(failures[1][0], 'a string');
    assert.deepEqual(failures[1][1], { key: '', name: 'checkout' });
  });

  test('a returned rejected promise goes to onError', LIMIT, async () => {
    const { signal, failures } = recording();
    const boom = new Error('later');
    const after = spy();
    signal.addListener(async () => {
      throw boom;
    }, 'async');
    signal.addListener(after.fn);
    signal.emit(1);
    assert.deepEqual(after.calls, [1]);
    await flush();
    assert.equal(failures.length, 1);
    assert.equal(failures[0][0], boom);
    assert.equal(failures[0][1].key, 'async');
  });

  test('a custom thenable that rejects goes to onError', LIMIT, async () => {
    const { signal, failures } = recording();
    const boom = new Error('thenable');
    signal.addListener(() => ({ then: (_, reject) => reject(boom) }));
    signal.emit();
    await flush();
    assert.deepEqual(
      failures.map(([error]) => error),
      [boom],
    );
  });

  test('other return values are ignored', LIMIT, async () => {
    const { signal, failures } = recording();
    let calls = 0;
    for (const value of [0, 'x', null, {}, { then: 'not a function' }, Promise.resolve(1)]) {
      signal.addListener(() => {
        calls++;
        return value;
      });
    }
    signal.emit();
    await flush();
    assert.equal(calls, 6);
    assert.deepEqual(failures, []);
  });

  test('onError defaults to console.error, naming the key and the signal', LIMIT, (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    const signal = new Signal({ name: 'orders' });
    const boom = new Error('boom');
    signal.addListener(() => {
      throw boom;
    }, 'charge');
    signal.emit();
    assert.equal(logged.mock.callCount(), 1);
    const [message, error] = logged.mock.calls[0].arguments;
    assert.match(message, /listener "charge" of signal "orders" failed/);
    assert.equal(error, boom);
  });

  test('an onError that throws is logged and does not stop the emit', LIMIT, (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    const handlerError = new Error('handler broke');
    const signal = new Signal({
      onError: () => {
        throw handlerError;
      },
    });
    const after = spy();
    signal.addListener(() => {
      throw new Error('listener broke');
    });
    signal.addListener(after.fn);
    signal.emit(1);
    assert.deepEqual(after.calls, [1]);
    assert.equal(logged.mock.callCount(), 1);
    assert.ok(logged.mock.calls[0].arguments.includes(handlerError));
  });
});

describe('emit on an async signal', () => {
  test('returns before any listener runs, then starts them all in registration order', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const order = [];
    signal.addListener((p) => order.push(`a:${p}`), 'a');
    signal.addListener((p) => order.push(`b:${p}`));
    assert.equal(signal.emit(1), undefined);
    assert.deepEqual(order, []);
    await flush();
    assert.deepEqual(order, ['a:1', 'b:1']);
  });

  test('starts listeners before earlier ones finish', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const order = [];
    const gate = deferred();
    signal.addListener(async () => {
      order.push('first started');
      await gate.promise;
      order.push('first finished');
    });
    signal.addListener(() => {
      order.push('second started');
      gate.resolve();
    });
    signal.emit();
    await flush();
    assert.deepEqual(order, ['first started', 'second started', 'first finished']);
  });

  test('throws and rejections go to onError; the other listeners run', LIMIT, async () => {
    const { signal, failures } = recording({ async: true, name: 'bus' });
    const thrown = new Error('thrown');
    const rejected = new Error('rejected');
    const after = spy();
    signal.addListener(() => {
      throw thrown;
    }, 't');
    signal.addListener(() => Promise.reject(rejected), 'r');
    signal.addListener(after.fn);
    signal.emit('p');
    await flush();
    assert.deepEqual(after.calls, ['p']);
    assert.deepEqual(
      failures.map(([error, info]) => [error, info.key, info.name]),
      [
        [thrown, 't', 'bus'],
        [rejected, 'r', 'bus'],
      ],
    );
  });

  test('passes the payload and a never-aborted AbortSignal', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const seen = [];
    signal.addListener((payload, { signal: abortSignal }) => seen.push([payload, abortSignal.aborted]));
    signal.emit('x');
    await flush();
    assert.deepEqual(seen, [['x', false]]);
  });
});

describe('tryEmit on a sync signal', () => {
  test('resolves to undefined with and without listeners', LIMIT, async () => {
    const signal = new Signal();
    assert.equal(await signal.tryEmit(1), undefined);
    const listener = spy();
    signal.addListener(listener.fn);
    assert.equal(await signal.tryEmit(2), undefined);
    assert.deepEqual(listener.calls, [2]);
  });

  test('awaits each listener before calling the next', LIMIT, async () => {
    const signal = new Signal();
    const order = [];
    signal.addListener(async () => {
      order.push('a start');
      await sleep(20);
      order.push('a end');
    });
    signal.addListener(() => {
      order.push('b');
    });
    signal.addListener(async () => {
      order.push('c start');
      await flush();
      order.push('c end');
    });
    await signal.tryEmit();
    assert.deepEqual(order, ['a start', 'a end', 'b', 'c start', 'c end']);
  });

  test('the first throw stops the chain and rejects with that very error', LIMIT, async () => {
    class CardError extends Error {}
    const cause = new Error('insufficient funds');
    const declined = new CardError('declined', { cause });
    const signal = new Signal();
    const order = [];
    signal.addListener(() => order.push('validate'), 'validate');
    signal.addListener(() => {
      order.push('charge');
      throw declined;
    }, 'charge');
    signal.addListener(() => order.push('ledger'), 'ledger');
    await assert.rejects(signal.tryEmit(), (error) => {
      assert.equal(error, declined);
      assert.ok(error instanceof CardError);
      assert.equal(error.cause, cause);
      return true;
    });
    assert.deepEqual(order, ['validate', 'charge']);
  });

  test('the first rejection stops the chain and rejects with that very error', LIMIT, async () => {
    const signal = new Signal();
    const boom = new Error('boom');
    const after = spy();
    signal.addListener(async () => {
      await flush();
      throw boom;
    });
    signal.addListener(after.fn);
    await assert.rejects(signal.tryEmit(), (error) => error === boom);
    assert.deepEqual(after.calls, []);
  });

  test('failures do not go to onError', LIMIT, async () => {
    const { signal, failures } = recording();
    signal.addListener(() => {
      throw new Error('x');
    });
    await assert.rejects(signal.tryEmit(), /x/);
    await flush();
    assert.deepEqual(failures, []);
  });

  test('passes a never-aborted AbortSignal without options', LIMIT, async () => {
    const signal = new Signal();
    let seen;
    signal.addListener((_, context) => {
      seen = context.signal;
    });
    await signal.tryEmit();
    assert.ok(seen instanceof AbortSignal);
    assert.equal(seen.aborted, false);
  });
});

describe('tryEmit on an async signal', () => {
  test('starts listeners on microtasks, after tryEmit returns', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const listener = spy();
    signal.addListener(listener.fn);
    const done = signal.tryEmit('p');
    assert.deepEqual(listener.calls, []);
    await done;
    assert.deepEqual(listener.calls, ['p']);
  });

  test('runs listeners concurrently: a later one can unblock an earlier one', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const gate = deferred();
    const order = [];
    signal.addListener(async () => {
      order.push('first started');
      await gate.promise;
      order.push('first finished');
    });
    signal.addListener(() => {
      order.push('second started');
      gate.resolve();
    });
    // Run one at a time, the first listener would wait forever: the timeout
    // turns that into a failure.
    await signal.tryEmit(undefined, { timeout: 5000 });
    assert.deepEqual(order, ['first started', 'second started', 'first finished']);
  });

  test('waits for every listener', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const finished = [];
    signal.addListener(async () => {
      await sleep(30);
      finished.push('slow');
    });
    signal.addListener(() => finished.push('quick'));
    await signal.tryEmit();
    assert.deepEqual(finished, ['quick', 'slow']);
  });

  test('rejects with an AggregateError of the errors in registration order', LIMIT, async () => {
    const { signal, failures } = recording({ async: true });
    const slow = new Error('slow');
    const thrown = new Error('thrown');
    const quick = new Error('quick');
    const ok = spy();
    signal.addListener(async () => {
      await sleep(30);
      throw slow;
    });
    signal.addListener(() => {
      throw thrown;
    }, 'keyed');
    signal.addListener(ok.fn);
    signal.addListener(() => Promise.reject(quick));
    await assert.rejects(signal.tryEmit('p'), (error) => {
      assert.ok(error instanceof AggregateError);
      assert.deepEqual(error.errors, [slow, thrown, quick]);
      assert.equal(error.message, '3 of 4 listeners failed');
      return true;
    });
    assert.deepEqual(ok.calls, ['p']);
    assert.deepEqual(failures, []);
  });

  test('a single failure still comes as an AggregateError', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const boom = new Error('boom');
    signal.addListener(() => {
      throw boom;
    });
    signal.addListener(() => {});
    await assert.rejects(signal.tryEmit(), (error) => error instanceof AggregateError && error.errors[0] === boom);
  });
});

describe('tryEmit with an AbortSignal or timeout', () => {
  for (const async of [false, true]) {
    const kind = async ? 'async' : 'sync';

    test(`${kind}: an already aborted signal rejects with its reason and calls nothing`, LIMIT, async () => {
      const signal = new Signal({ async });
      const listener = spy();
      signal.addListener(listener.fn);
      const reason = new Error('gone');
      await assert.rejects(signal.tryEmit(1, { signal: AbortSignal.abort(reason) }), (error) => error === reason);
      await assert.rejects(signal.tryEmit(1, { signal: AbortSignal.abort(reason), timeout: 1000 }), (error) => error === reason);
      await flush();
      assert.deepEqual(listener.calls, []);
    });

    for (const timeout of [undefined, 10_000]) {
      test(`${kind}: an abort while a listener is pending rejects at once with the reason (timeout ${timeout})`, LIMIT, async () => {
        const signal = new Signal({ async });
        const controller = new AbortController();
        const reason = new Error('stop');
        let seen;
        signal.addListener((_, context) => {
          seen = context.signal;
          setTimeout(() => controller.abort(reason), 10);
          return never();
        });
        // Waiting for the listener would hang the test until its limit.
        await assert.rejects(signal.tryEmit(1, { signal: controller.signal, timeout }), (error) => error === reason);
        assert.equal(seen.aborted, true, "the listener's signal aborts too");
        assert.equal(seen.reason, reason);
      });
    }

    test(`${kind}: a timeout rejects with a TimeoutError, which listeners see as the reason`, LIMIT, async () => {
      const signal = new Signal({ async });
      let seen;
      signal.addListener((_, context) => {
        seen = context.signal;
        return never();
      });
      let rejection;
      await assert.rejects(signal.tryEmit(1, { timeout: 20 }), (error) => {
        rejection = error;
        return error instanceof DOMException && error.name === 'TimeoutError';
      });
      assert.equal(seen.aborted, true);
      assert.equal(seen.reason, rejection);
    });

    test(`${kind}: listeners finishing in time resolve, and the timer is cleared`, LIMIT, async () => {
      const signal = new Signal({ async });
      let seen;
      signal.addListener(async (_, context) => {
        seen = context.signal;
        await flush();
      });
      await signal.tryEmit(1, { timeout: 30 });
      await sleep(120);
      assert.equal(seen.aborted, false, 'the timeout fired after tryEmit settled');
    });

    test(`${kind}: the abort listener on options.signal is removed when tryEmit settles`, LIMIT, async () => {
      const signal = new Signal({ async });
      const controller = new AbortController();
      let seen;
      // A listener returning a promise makes tryEmit listen for the abort.
      signal.addListener(async (_, context) => {
        seen = context.signal;
        await flush();
      });
      await signal.tryEmit(1, { signal: controller.signal, timeout: 1000 });
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0);
      controller.abort();
      assert.equal(seen.aborted, false);
      for (const timeout of [undefined, 1000]) {
        const other = new AbortController();
        await signal.tryEmit(1, { signal: other.signal, timeout });
        assert.equal(getEventListeners(other.signal, 'abort').length, 0, `after success, timeout ${timeout}`);
      }
      signal.addListener(() => Promise.reject(new Error('fail')));
      for (const timeout of [undefined, 1000]) {
        const other = new AbortController();
        await assert.rejects(signal.tryEmit(1, { signal: other.signal, timeout }));
        assert.equal(getEventListeners(other.signal, 'abort').length, 0, `after failure, timeout ${timeout}`);
      }
    });

    for (const timeout of [undefined, 10_000]) {
      test(`${kind}: a late failure of an abandoned listener goes to onError, its abort reason does not (timeout ${timeout})`, LIMIT, async () => {
        const { signal, failures } = recording({ async });
        const late = new Error('late');
        let release;
        let failWith;
        signal.addListener(async (_, context) => {
          await release.promise;
          throw failWith === 'reason' ? context.signal.reason : late;
        }, 'abandoned');
        for (const failure of ['reason', 'late']) {
          const controller = new AbortController();
          release = deferred();
          failWith = failure;
          const done = signal.tryEmit(1, { signal: controller.signal, timeout });
          await flush();
          controller.abort();
          await assert.rejects(done, { name: 'AbortError' });
          release.resolve();
          await flush();
        }
        assert.deepEqual(
          failures.map(([error, info]) => [error, info.key]),
          [[late, 'abandoned']],
        );
      });
    }
  }

  test('sync: a listener that aborts stops the chain before the next one', LIMIT, async () => {
    const signal = new Signal();
    const controller = new AbortController();
    const reason = new Error('stop');
    const order = [];
    signal.addListener(() => {
      order.push('aborts');
      controller.abort(reason);
    });
    signal.addListener(() => order.push('not called'));
    await assert.rejects(signal.tryEmit(1, { signal: controller.signal }), (error) => error === reason);
    assert.deepEqual(order, ['aborts']);
  });

  test('sync: listeners after one cut off by a timeout are never called', LIMIT, async () => {
    const signal = new Signal();
    const order = [];
    const release = deferred();
    signal.addListener(async () => {
      order.push('slow');
      await release.promise;
    });
    signal.addListener(() => order.push('after'));
    await assert.rejects(signal.tryEmit(1, { timeout: 20 }), { name: 'TimeoutError' });
    release.resolve();
    await sleep(20);
    assert.deepEqual(order, ['slow']);
  });

  test('sync: an abort during the last listener, which then finishes, is not a failure', LIMIT, async () => {
    const signal = new Signal();
    const controller = new AbortController();
    signal.addListener(() => controller.abort());
    await signal.tryEmit(1, { signal: controller.signal });
    assert.equal(controller.signal.aborted, true);
  });

  for (const async of [false, true]) {
    for (const timeout of [undefined, 10_000]) {
      test(`${async ? 'async' : 'sync'}: a listener that aborts and returns a pending promise is not waited for (timeout ${timeout})`, LIMIT, async () => {
        const signal = new Signal({ async });
        const controller = new AbortController();
        const reason = new Error('stop');
        signal.addListener(() => {
          controller.abort(reason);
          return never();
        });
        await assert.rejects(signal.tryEmit(1, { signal: controller.signal, timeout }), (error) => error === reason);
      });
    }
  }

  test('a listener failure before the abort wins over it', LIMIT, async () => {
    const signal = new Signal();
    const controller = new AbortController();
    const boom = new Error('boom');
    signal.addListener(() => {
      queueMicrotask(() => controller.abort());
      return Promise.reject(boom);
    });
    await assert.rejects(signal.tryEmit(1, { signal: controller.signal }), (error) => error === boom);
  });

  test('listeners get one signal per tryEmit: options.signal itself, or one that adds the timeout', LIMIT, async () => {
    const signal = new Signal();
    const controller = new AbortController();
    let seen = [];
    signal.addListener((_, context) => seen.push(context.signal));
    signal.addListener((_, context) => seen.push(context.signal));
    await signal.tryEmit(1, { signal: controller.signal });
    assert.deepEqual(seen, [controller.signal, controller.signal]);
    seen = [];
    await signal.tryEmit(1, { signal: controller.signal, timeout: 1000 });
    assert.equal(seen[0], seen[1]);
    assert.notEqual(seen[0], controller.signal);
    assert.equal(seen[0].aborted, false);
  });

  test('100,000 tryEmit calls with a timeout leave no timers behind', LIMIT, async () => {
    const signal = new Signal();
    let calls = 0;
    signal.addListener(() => {
      calls++;
    });
    const timers = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
    const before = timers();
    // A short timeout, so that timers leaked by a bug would not keep the test
    // process alive for long.
    for (let i = 0; i < 100_000; i++) {
      await signal.tryEmit(i, { timeout: 5000 });
    }
    assert.equal(calls, 100_000);
    assert.ok(timers() <= before, `${timers() - before} timers left running`);
  });

  test('bad options reject with a TypeError, call nothing, and the signal still works', LIMIT, async () => {
    for (const async of [false, true]) {
      const signal = new Signal({ async });
      const witness = spy();
      signal.addListener(witness.fn);
      const cases = [
        [null, 'tryEmit: options must be an object, got null'],
        [5, 'tryEmit: options must be an object, got number'],
        [{ timeout: 0 }, 'got 0'],
        [{ timeout: -1 }, 'got -1'],
        [{ timeout: NaN }, 'got NaN'],
        [{ timeout: Infinity }, 'got Infinity'],
        [{ timeout: 2 ** 31 }, 'got 2147483648'],
        [{ timeout: 0, signal: AbortSignal.abort() }, 'got 0'],
        [{ timeout: '100' }, 'got string'],
        [{ timeout: null }, 'got null'],
        [{ signal: {} }, 'tryEmit: signal must be an AbortSignal, got object'],
        [{ signal: null }, 'tryEmit: signal must be an AbortSignal, got null'],
        [{ signal: 'abort' }, 'tryEmit: signal must be an AbortSignal, got string'],
      ];
      for (const [options, message] of cases) {
        await assert.rejects(signal.tryEmit('bad', options), (error) => {
          assert.ok(error instanceof TypeError, `${error}`);
          assert.ok(error.message.includes(message), error.message);
          return true;
        });
        await flush();
        assert.deepEqual(witness.calls, [], `${JSON.stringify(options)} called a listener`);
      }
      assert.match(
        await signal.tryEmit('bad', { timeout: -1 }).catch((error) => error.message),
        /^tryEmit: timeout must be a number of milliseconds above 0 and at most 2147483647, got -1$/,
      );
      // The longest timeout passes the checks and meets the abort (a real
      // timer that long would keep the test process alive if a bug leaked it).
      const reason = new Error('aborted, so accepted');
      await assert.rejects(
        signal.tryEmit('bad', { timeout: 2 ** 31 - 1, signal: AbortSignal.abort(reason) }),
        (error) => error === reason,
      );
      await signal.tryEmit('ok', { timeout: 0.5 });
      await signal.tryEmit('ok', { timeout: 1000, signal: new AbortController().signal });
      signal.emit('ok');
      await flush();
      assert.deepEqual(witness.calls, ['ok', 'ok', 'ok']);
    }
  });
});

describe('addOnce', () => {
  test('runs for one emit, then is gone', LIMIT, () => {
    const signal = new Signal();
    const once = spy();
    const always = spy();
    assert.equal(signal.addOnce(once.fn), 1);
    assert.equal(signal.addListener(always.fn), 2);
    signal.emit(1);
    assert.equal(signal.size, 1);
    signal.emit(2);
    assert.deepEqual(once.calls, [1]);
    assert.deepEqual(always.calls, [1, 2]);
  });

  test('is removed before it runs, and frees its key', LIMIT, () => {
    const signal = new Signal();
    let sizeInside;
    signal.addOnce(() => {
      sizeInside = signal.size;
    }, 'k');
    assert.equal(signal.hasKey('k'), true);
    signal.emit();
    assert.equal(sizeInside, 0);
    assert.equal(signal.hasKey('k'), false);
    assert.equal(signal.addListener(() => {}, 'k'), 1);
  });

  test('a keyed once-listener can be removed before it runs', LIMIT, () => {
    const signal = new Signal();
    const once = spy();
    signal.addOnce(once.fn, 'k');
    assert.equal(signal.removeListener('k'), 0);
    signal.emit();
    assert.deepEqual(once.calls, []);
  });

  test('runs once when a re-entrant emit reaches it first', LIMIT, () => {
    const signal = new Signal();
    const once = spy();
    let nested = false;
    signal.addListener((p) => {
      if (nested) return;
      nested = true;
      signal.emit(`inner ${p}`);
    });
    signal.addOnce(once.fn);
    signal.emit('outer');
    assert.deepEqual(once.calls, ['inner outer']);
    assert.equal(signal.size, 1);
  });

  test('runs once under overlapping async emits and tryEmits', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const once = spy();
    signal.addOnce(once.fn, 'k');
    signal.emit(1);
    assert.equal(signal.size, 0, 'claimed when emit returns, not when the listener runs');
    signal.emit(2);
    await Promise.all([signal.tryEmit(3), signal.tryEmit(4)]);
    await flush();
    assert.deepEqual(once.calls, [1]);
  });

  test('runs once under overlapping sync tryEmits', LIMIT, async () => {
    const signal = new Signal();
    const once = spy();
    signal.addListener(() => sleep(10));
    signal.addOnce(once.fn);
    await Promise.all([signal.tryEmit(1), signal.tryEmit(2)]);
    assert.equal(once.calls.length, 1);
    assert.equal(signal.size, 1);
  });

  test('stays when a sync tryEmit stops before reaching it', LIMIT, async () => {
    const signal = new Signal();
    const once = spy();
    signal.addListener(() => {
      throw new Error('stop');
    }, 'fail');
    signal.addOnce(once.fn, 'once');
    await assert.rejects(signal.tryEmit(1));
    assert.deepEqual(signal.keys(), ['fail', 'once']);
    signal.removeListener('fail');
    signal.emit(2);
    assert.deepEqual(once.calls, [2]);
  });

  test('removed from inside a running emit, it still runs in that emit, like any listener', LIMIT, () => {
    const signal = new Signal();
    const once = spy();
    signal.addListener(() => signal.removeListener('once'));
    signal.addOnce(once.fn, 'once');
    signal.emit(1);
    signal.emit(2);
    assert.deepEqual(once.calls, [1]);
  });
});

describe('re-entrancy: an emit sees the listeners it started with', () => {
  test('a listener added during an emit runs from the next emit on', LIMIT, () => {
    const signal = new Signal();
    const added = spy();
    signal.addListener(() => signal.addListener(added.fn, 'added'));
    signal.emit(1);
    assert.deepEqual(added.calls, []);
    signal.emit(2);
    assert.deepEqual(added.calls, [2]);
  });

  test('a listener removed during an emit still runs in it, then never', LIMIT, () => {
    const signal = new Signal();
    const removed = spy();
    signal.addListener(() => signal.removeListener('later'));
    signal.addListener(removed.fn, 'later');
    signal.emit(1);
    signal.emit(2);
    assert.deepEqual(removed.calls, [1]);
  });

  test('a reset during an emit lets the emit finish', LIMIT, () => {
    const signal = new Signal();
    const later = spy();
    signal.addListener(() => signal.reset());
    signal.addListener(later.fn);
    signal.emit(1);
    assert.equal(signal.size, 0);
    signal.emit(2);
    assert.deepEqual(later.calls, [1]);
  });

  test('a re-entrant emit runs in full, inside the outer one', LIMIT, () => {
    const signal = new Signal();
    const order = [];
    signal.addListener((p) => {
      order.push(`a${p}`);
      if (p === 1) {
        signal.addListener((q) => order.push(`c${q}`));
        signal.emit(2);
      }
    });
    signal.addListener((p) => order.push(`b${p}`));
    signal.emit(1);
    assert.deepEqual(order, ['a1', 'a2', 'b2', 'c2', 'b1']);
  });

  test('an async emit keeps its snapshot', LIMIT, async () => {
    const signal = new Signal({ async: true });
    const removed = spy();
    const added = spy();
    signal.addListener(removed.fn, 'r');
    signal.emit(1);
    signal.removeListener('r');
    signal.addListener(added.fn);
    await flush();
    assert.deepEqual(removed.calls, [1]);
    assert.deepEqual(added.calls, []);
  });

  test('a sync tryEmit keeps its snapshot across awaits', LIMIT, async () => {
    const signal = new Signal();
    const order = [];
    const changed = deferred();
    signal.addListener(async () => {
      order.push('a');
      await changed.promise;
    });
    signal.addListener(() => order.push('b'), 'b');
    const done = signal.tryEmit();
    signal.removeListener('b');
    signal.addListener(() => order.push('c'));
    changed.resolve();
    await done;
    assert.deepEqual(order, ['a', 'b']);
    await signal.tryEmit();
    assert.deepEqual(order, ['a', 'b', 'a', 'c']);
  });

  test('listeners may add, remove, reset and tryEmit from inside a tryEmit', LIMIT, async () => {
    const signal = new Signal();
    const order = [];
    signal.addListener(async (p) => {
      order.push(`a${p}`);
      if (p === 1) {
        signal.addListener((q) => order.push(`d${q}`), 'd');
        signal.removeListener('c');
        await signal.tryEmit(2);
      }
    }, 'a');
    signal.addListener((p) => order.push(`b${p}`), 'b');
    signal.addListener((p) => order.push(`c${p}`), 'c');
    await signal.tryEmit(1);
    assert.deepEqual(order, ['a1', 'a2', 'b2', 'd2', 'b1', 'c1']);
    signal.addListener(() => signal.reset());
    signal.addListener((p) => order.push(`e${p}`));
    await signal.tryEmit(3);
    assert.equal(signal.size, 0);
    assert.deepEqual(order.slice(6), ['a3', 'b3', 'd3', 'e3']);
  });
});

describe('listener storage', () => {
  test('100,000 add/remove cycles leave size 0 and never grow the listener array', LIMIT, () => {
    const signal = new Signal();
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      signal.addListener(() => {}, `k${i}`);
      largest = Math.max(largest, signal.size);
      signal.removeListener(`k${i}`);
    }
    assert.equal(largest, 1);
    assert.equal(signal.size, 0);
    assert.deepEqual(signal.keys(), []);
  });

  test('100,000 addOnce/emit cycles leave size 0', LIMIT, () => {
    const signal = new Signal();
    let calls = 0;
    let largest = 0;
    for (let i = 0; i < 100_000; i++) {
      signal.addOnce(() => calls++);
      largest = Math.max(largest, signal.size);
      signal.emit(i);
    }
    assert.equal(calls, 100_000);
    assert.equal(largest, 1);
    assert.equal(signal.size, 0);
  });
});
