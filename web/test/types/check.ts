// Compiled (not run) by types.test.js: index.d.ts must accept what users write
// and reject payloads of the wrong type.
import { load, GoError, type Signal, type SignalLike } from '../../src/index.js';

const es = await load();
const orders: Signal<{ item: string }> = es.createSignal<{ item: string }>({ name: 'orders' });
orders.addListener((order, { signal }) => {
  order.item.toUpperCase();
  return signal.aborted;
}, 'js:check');
const count: number = orders.size;
await orders.tryEmit({ item: 'tea' }, { timeout: 1000, signal: new AbortController().signal });
const total: SignalLike<number> = es.signal<number>('go.total');
total.emit(count);
try {
  await es.tryEmit('orders', { item: '' });
} catch (err) {
  if (err instanceof GoError) err.key?.toUpperCase();
}
// @ts-expect-error: a payload of the wrong type
orders.emit('tea');
// @ts-expect-error: listeners are functions
orders.addListener('not a function');
