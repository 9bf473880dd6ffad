// The pure-JavaScript cases: edgesignals' Signal against other emitters.
//
// Every case writes out its own loop instead of sharing a helper that takes
// the emitter: V8 keeps type feedback per function literal, so a shared loop
// would see every library at one call site, go megamorphic and slow all of
// them down alike, which is not how an application calls one library.
// Every listener is a distinct closure (EventTarget ignores a function added
// twice) that increments its case's counter, checked once the case is done.

import { setMaxListeners } from 'node:events';
import EventEmitter from 'eventemitter3';
import mitt from 'mitt';
import { createNanoEvents } from 'nanoevents';
import Emittery from 'emittery';
import { Subject } from 'rxjs';
import { Signal } from '../src/signal.js';
import { expectCount } from './harness.js';

/** The libraries of the emit tables, in table order; eventemitter3 is the baseline. */
export const EMITTERS = [
  ['edgesignals', 'edgesignals Signal.emit'],
  ['eventemitter3', 'eventemitter3 emit'],
  ['mitt', 'mitt emit'],
  ['nanoevents', 'nanoevents emit'],
  ['emittery', 'emittery emit (not awaited)'],
  ['emittery-await', 'await emittery.emit'],
  ['rxjs', 'rxjs Subject.next'],
  ['eventtarget', 'EventTarget.dispatchEvent'],
];

/** The cases of the tryEmit table, in table order; await emittery.emit is the baseline. */
export const AWAITERS = [
  ['edgesignals', 'await edgesignals Signal.tryEmit'],
  ['emittery-await', 'await emittery.emit'],
  ['emittery-serial', 'await emittery.emitSerial'],
];

// Makes k listeners that each add one to counter.n.
function listeners(k, counter) {
  return Array.from({ length: k }, () => () => {
    counter.n++;
  });
}

/** The emit cases with k listeners each, ids "<library>/<k>". */
export function emitCases(k) {
  const c = (lib, make) => ({ id: `${lib}/${k}`, make });
  return [
    c('edgesignals', () => {
      const counter = { n: 0 };
      const s = new Signal();
      for (const fn of listeners(k, counter)) s.addListener(fn);
      return {
        run(n) {
          for (let i = 0; i < n; i++) s.emit(i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('eventemitter3', () => {
      const counter = { n: 0 };
      const e = new EventEmitter();
      for (const fn of listeners(k, counter)) e.on('x', fn);
      return {
        run(n) {
          for (let i = 0; i < n; i++) e.emit('x', i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('mitt', () => {
      const counter = { n: 0 };
      const e = mitt();
      for (const fn of listeners(k, counter)) e.on('x', fn);
      return {
        run(n) {
          for (let i = 0; i < n; i++) e.emit('x', i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('nanoevents', () => {
      const counter = { n: 0 };
      const e = createNanoEvents();
      for (const fn of listeners(k, counter)) e.on('x', fn);
      return {
        run(n) {
          for (let i = 0; i < n; i++) e.emit('x', i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('emittery', () => {
      const counter = { n: 0 };
      const e = new Emittery();
      for (const fn of listeners(k, counter)) e.on('x', fn);
      return {
        // emittery's emit only schedules the listeners: the timed run ends
        // when the last emit settles, so that the deferred work is counted
        // (microtasks run in order, so every earlier emit has settled too).
        run(n) {
          let last;
          for (let i = 0; i < n; i++) last = e.emit('x', i);
          return last;
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('emittery-await', emitteryAwait(k)),
    c('rxjs', () => {
      const counter = { n: 0 };
      const subject = new Subject();
      for (const fn of listeners(k, counter)) subject.subscribe(fn);
      return {
        run(n) {
          for (let i = 0; i < n; i++) subject.next(i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('eventtarget', () => {
      const counter = { n: 0 };
      const target = new EventTarget();
      const event = new Event('x'); // reused: dispatchEvent allows it once the dispatch is over
      setMaxListeners(k + 1, target); // else Node warns of a leak past 10 listeners
      for (const fn of listeners(k, counter)) target.addEventListener('x', fn);
      return {
        run(n) {
          for (let i = 0; i < n; i++) target.dispatchEvent(event);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
  ];
}

/** The awaited cases with k listeners each, ids "<case>/<k>". */
export function tryEmitCases(k) {
  const c = (id, make) => ({ id: `${id}/${k}`, make });
  return [
    c('edgesignals', () => {
      const counter = { n: 0 };
      const s = new Signal();
      for (const fn of listeners(k, counter)) s.addListener(fn);
      return {
        async run(n) {
          for (let i = 0; i < n; i++) await s.tryEmit(i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
    c('emittery-await', emitteryAwait(k)),
    c('emittery-serial', () => {
      const counter = { n: 0 };
      const e = new Emittery();
      for (const fn of listeners(k, counter)) e.on('x', fn);
      return {
        async run(n) {
          for (let i = 0; i < n; i++) await e.emitSerial('x', i);
        },
        check: (ops) => expectCount('listener calls', counter.n, ops * k),
      };
    }),
  ];
}

/** `await emittery.emit` with k listeners: the baseline of every awaited case, bridge ones too. */
export function emitteryAwait(k) {
  return () => {
    const counter = { n: 0 };
    const e = new Emittery();
    for (const fn of listeners(k, counter)) e.on('x', fn);
    return {
      async run(n) {
        for (let i = 0; i < n; i++) await e.emit('x', i);
      },
      check: (ops) => expectCount('listener calls', counter.n, ops * k),
    };
  };
}
