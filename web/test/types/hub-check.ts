// Compiled (not run) by types.test.js: the hub client's types (hub.d.ts).
import { connect, HubError, type RemoteSignal, type SignalLike } from '../../src/index.js';

const hub = connect('https://example.com/hub/', { onGap: ({ signal, from, to }) => console.log(signal, to - from) });
const orders: RemoteSignal<{ item: string }> = hub.signal<{ item: string }>('orders');
orders.addListener((order) => order.item.toUpperCase(), 'show');
const seq: number = await orders.tryEmit({ item: 'tea' }, { timeout: 1000 });
const like: Omit<SignalLike<{ item: string }>, 'tryEmit'> = orders; // a signal but for what tryEmit resolves with
like.emit({ item: String(seq + orders.seq) });
try {
  await orders.tryEmit({ item: 'x' });
} catch (err) {
  if (err instanceof HubError && err.code === 'lost') hub.close();
}
// @ts-expect-error: a payload of the wrong type
orders.emit('tea');
// @ts-expect-error: not an option
connect('https://example.com/hub/', { retries: 3 });
