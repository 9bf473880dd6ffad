// Types of the hub client (hub.js); the JavaScript sources' JSDoc says the
// same in more words, and docs/hub.md is the protocol.
import type { SignalLike, TryEmitOptions } from './index.js';

/** Events from..to-1 of signal will never arrive: the hub's log no longer had them. */
export interface Gap {
  signal: string;
  from: number;
  to: number;
}

export interface HubOptions {
  /** The WebSocket class; default globalThis.WebSocket (Node 20: pass the `ws` package's). */
  WebSocket?: new (url: string) => WebSocket;
  onGap?: (gap: Gap) => void;
  /** Failures nobody waits for: a listener's, and emit's. Default: console.error. */
  onError?: (error: unknown, info: { key: string; name: string }) => void;
  /** Reconnect back-off bounds, milliseconds (default 100 and 10,000). */
  minDelay?: number;
  maxDelay?: number;
  /** Emits kept per signal while disconnected (default 1,000). */
  maxPending?: number;
  /** Milliseconds of silence before a ping; a socket silent as long again is reopened (default 30,000). */
  pingEvery?: number;
}

/**
 * A failure of the hub or the connection: closed (close() was called), lost (the connection
 * dropped after the emit was sent and before its ack: it may or may not be stored), refused (the
 * hub closed the socket for a frame of this client), too-large, backlog (too many emits wait).
 */
export declare class HubError extends Error {
  readonly code: 'closed' | 'lost' | 'refused' | 'too-large' | 'backlog';
}

/**
 * A signal carried by the hub: listeners get every client's events, in seq order. The API of
 * SignalLike, except that tryEmit resolves with the event's seq.
 */
export interface RemoteSignal<T = unknown> extends Omit<SignalLike<T>, 'tryEmit'> {
  readonly name: string;
  /** The seq of the event being, or last, delivered to the listeners; 0 before any. */
  readonly seq: number;
  /** Whether the socket is open and the hub said hello. */
  readonly connected: boolean;
  /** Resolves with the event's seq once the hub stored it. */
  tryEmit(payload: T, options?: TryEmitOptions): Promise<number>;
  /** Closes the socket for good; pending tryEmits reject with a HubError "closed". */
  close(): void;
}

export interface Hub {
  /** The remote signal called name: 1 to 128 characters of A-Z a-z 0-9 . _ : - */
  signal<T = unknown>(name: string): RemoteSignal<T>;
  close(): void;
}

/** Connects to the hub at url (http(s) or ws(s)); a signal's socket opens on first use. */
export declare function connect(url: string | URL, options?: HubOptions): Hub;
