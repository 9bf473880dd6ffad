// Writes a payload in the wire format that jsbridge/codec.go reads, so that
// a payload crosses into Go in one call. See codec.go for the format.

const TAG_NULL = 0, TAG_FALSE = 1, TAG_TRUE = 2, TAG_NUMBER = 3, TAG_STRING = 4,
  TAG_BYTES = 5, TAG_ARRAY = 6, TAG_OBJECT = 7;

// Deeper payloads are refused rather than risk the stack (Go refuses them too).
const MAX_DEPTH = 1000;

const utf8 = new TextEncoder();

// Strings up to this many UTF-16 units are tried as ASCII first.
const SHORT = 64;

/** A growable byte buffer, reused from payload to payload. */
export class Writer {
  constructor() {
    this.bytes = new Uint8Array(1024);
    this.view = new DataView(this.bytes.buffer);
    this.length = 0;
  }

  /** Encodes value and returns the bytes written (a view, valid until the next call). */
  encode(value) {
    this.length = 0;
    this.#value(value, 0);
    return this.bytes.subarray(0, this.length);
  }

  #room(n) {
    if (this.length + n <= this.bytes.length) return;
    const bigger = new Uint8Array(Math.max(this.bytes.length * 2, this.length + n));
    bigger.set(this.bytes.subarray(0, this.length));
    this.bytes = bigger;
    this.view = new DataView(bigger.buffer);
  }

  #u8(b) {
    this.#room(1);
    this.bytes[this.length++] = b;
  }

  #u32(n) {
    this.#room(4);
    this.view.setUint32(this.length, n, true);
    this.length += 4;
  }

  #chunk(bytes) {
    this.#u32(bytes.length);
    this.#room(bytes.length);
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  #string(s) {
    // Worst case three bytes per UTF-16 unit; encodeInto writes in place.
    this.#room(4 + s.length * 3);
    const at = this.length;
    this.length += 4;
    const written = s.length <= SHORT ? this.#ascii(s) : -1;
    this.length += written >= 0 ? written : utf8.encodeInto(s, this.bytes.subarray(this.length)).written;
    this.view.setUint32(at, this.length - at - 4, true);
  }

  // Writes a short ASCII string byte by byte, which beats a call to
  // encodeInto for the short keys and values most payloads hold. Returns -1,
  // having written nothing that counts, if s is not ASCII.
  #ascii(s) {
    const bytes = this.bytes;
    const at = this.length;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return -1;
      bytes[at + i] = c;
    }
    return s.length;
  }

  #value(v, depth) {
    if (depth > MAX_DEPTH) {
      throw new TypeError(`payload is nested deeper than ${MAX_DEPTH} levels, or is cyclic`);
    }
    switch (typeof v) {
      case 'number':
        this.#u8(TAG_NUMBER);
        this.#room(8);
        this.view.setFloat64(this.length, v, true);
        this.length += 8;
        return;
      case 'string':
        this.#u8(TAG_STRING);
        this.#string(v);
        return;
      case 'boolean':
        this.#u8(v ? TAG_TRUE : TAG_FALSE);
        return;
      case 'object':
        if (v === null) {
          this.#u8(TAG_NULL);
          return;
        }
        if (v instanceof Uint8Array) {
          this.#u8(TAG_BYTES);
          this.#chunk(v);
          return;
        }
        if (Array.isArray(v)) {
          this.#u8(TAG_ARRAY);
          this.#u32(v.length);
          for (let i = 0; i < v.length; i++) this.#value(v[i], depth + 1);
          return;
        }
        if (isPlainObject(v)) {
          const keys = Object.keys(v);
          this.#u8(TAG_OBJECT);
          this.#u32(keys.length);
          for (const k of keys) {
            this.#string(k);
            this.#value(v[k], depth + 1);
          }
          return;
        }
    }
    throw new TypeError(`payload holds ${describe(v)}: a payload for Go is made of numbers, strings, booleans, null, ` +
      'Uint8Arrays, arrays and plain objects');
  }
}

function isPlainObject(v) {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function describe(v) {
  if (v === undefined) return 'undefined';
  const kind = typeof v === 'object' ? `${v.constructor?.name ?? 'non-plain'} object` : typeof v;
  return (/^[AEIOU]/i.test(kind) ? 'an ' : 'a ') + kind;
}
