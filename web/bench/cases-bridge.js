// The bridge cases: payloads that cross from JavaScript into a Go listener.
// `es` is edgesignals.wasm (its "orders" signal gets Go's go:validate), `tm`
// the Go test program (jsbridge/internal/testmodule): "go.sum" is a Go
// signal whose one Go listener adds up the numbers, and a JavaScript signal
// named "texts" gets a Go listener taking strings.

import { emitteryAwait } from './cases-js.js';
import { expectCount } from './harness.js';

// What Go's validateOrder accepts; the {id, name} object below it rejects.
const VALID_ORDER = { item: 'tea', quantity: 2, email: 'ada@example.com' };
const OTHER_OBJECT = { id: 1, name: 'ada' };

/** The rows of the bridge table, in order, with the baseline each is compared to. */
export const BRIDGE_ROWS = [
  ['go-sum-emit', 'go.sum emit(1): number into a Go signal, 1 Go listener', null],
  ['texts-emit', "texts emit('hello'): string, 1 Go listener", null],
  ['orders-emit', 'orders emit({item, quantity, email}): valid order, go:validate', null],
  ['orders-reject', 'orders emit({id: 1, name: "ada"}): rejected by go:validate, onError', null],
  ['texts-try', "await texts.tryEmit('hello'): 1 Go listener", 'emittery-await'],
  ['go-sum-try', 'await go.sum tryEmit(1): 1 Go listener', 'emittery-await'],
  ['emittery-await', 'await emittery.emit, 1 JS listener (baseline)', null],
];

/**
 * @param {import('../src/index.js').EdgeSignals} es
 * @param {import('../src/index.js').EdgeSignals} tm
 */
export function bridgeCases(es, tm) {
  const sum = tm.signal('go.sum');
  let textsError; // emit hands a Go listener's failure to onError, not to us
  const texts = tm.createSignal({ name: 'texts', onError: (error) => (textsError ??= error) });
  const orders = ordersSignal(es);
  return [
    {
      id: 'go-sum-emit',
      make: () => ({
        run(n) {
          for (let i = 0; i < n; i++) sum.emit(1);
        },
        // go.sum's total is checked once for both of its cases, in checkGoSum.
      }),
    },
    {
      id: 'texts-emit',
      make: () => ({
        run(n) {
          for (let i = 0; i < n; i++) texts.emit('hello');
        },
        check() {
          if (textsError) throw textsError;
        },
      }),
    },
    {
      id: 'orders-emit',
      make: () => ({
        run(n) {
          for (let i = 0; i < n; i++) orders.signal.emit(VALID_ORDER);
        },
        // Checked with orders-reject: every rejection must come from there.
      }),
    },
    {
      id: 'orders-reject',
      make: () => ({
        run(n) {
          for (let i = 0; i < n; i++) orders.signal.emit(OTHER_OBJECT);
        },
        check: (ops) => orders.check(ops),
      }),
    },
    {
      id: 'texts-try',
      make: () => ({
        async run(n) {
          for (let i = 0; i < n; i++) await texts.tryEmit('hello');
        },
      }),
    },
    {
      id: 'go-sum-try',
      make: () => ({
        async run(n) {
          for (let i = 0; i < n; i++) await sum.tryEmit(1);
        },
      }),
    },
    { id: 'emittery-await', make: emitteryAwait(1) },
  ];
}

// The "orders" signal of es, with an onError that counts Go's rejections
// instead of logging them (the rejected case would print a line per emit).
function ordersSignal(es) {
  let rejected = 0;
  let unexpected;
  const signal = es.createSignal({
    name: 'orders',
    onError: (error) => {
      if (error?.name === 'GoError' && error.message.startsWith('order:')) rejected++;
      else unexpected ??= error;
    },
  });
  if (signal.size !== 1) throw new Error(`orders: expected go:validate as its one listener, found ${signal.size}`);
  return {
    signal,
    check(rejectOps) {
      if (unexpected) throw unexpected;
      expectCount('orders rejected by go:validate', rejected, rejectOps);
    },
  };
}

/** Checks that Go's go.sum listener added up every 1 the two go.sum cases emitted. */
export function checkGoSum(tm, results) {
  const want = results['go-sum-emit'].ops + results['go-sum-try'].ops;
  let got;
  const total = tm.signal('go.total');
  total.addListener((value) => (got = value), 'bench:check');
  tm.signal('go.sum').emit(0); // adds nothing; makes Go report its sum
  total.removeListener('bench:check');
  expectCount('go.sum total', got, want);
}
