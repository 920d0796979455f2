// BANA signal client for browsers: plain JavaScript over WebCrypto, no dependencies.
// The wire format it implements is specified in docs/signal.md.
//
//   const c = await SignalClient.connect("wss://pos.example/api/stream", token);
//   c.onmessage = (m) => console.log(m.room, m.seq, m.topic, m.data);
//   await c.join("merchant.123.station.MAIN");          // live only
//   await c.join("merchant.123", lastSeqSeen);           // resume: what was missed, or {type:"reload"}

const VERSION = 1, HELLO = 1, SEALED = 2;
const HEADER = 10, NONCE = 12;
const enc = new TextEncoder(), dec = new TextDecoder();

async function directionKey(secret, salt, info) {
  const ikm = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt, info: enc.encode(info) },
    ikm, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

export class SignalClient {
  constructor(ws, sendKey, recvKey) {
    this.ws = ws; this.sendKey = sendKey; this.recvKey = recvKey;
    this.sendSeq = 0n; this.recvSeq = 0n;
    this.waiters = []; this.onmessage = null; this.onclose = null;
    this.chain = Promise.resolve(); // frames are opened in arrival order
  }

  // connect does the handshake and authenticates; it resolves with the client after welcome.
  static async connect(url, token) {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error("cannot connect")); });
    const pair = await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, false, ["deriveBits"]);
    const mine = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey)); // 65 bytes, 0x04 || X || Y
    const first = new Promise((ok, fail) => {
      ws.onmessage = (ev) => ok(new Uint8Array(ev.data));
      ws.onclose = (ev) => fail(new Error(`closed ${ev.code}: ${ev.reason}`));
    });
    ws.send(new Uint8Array([VERSION, HELLO, ...mine]));
    const hello = await first;
    if (hello.length !== 67 || hello[0] !== VERSION || hello[1] !== HELLO) throw new Error("bad server hello");
    const theirs = hello.slice(2);
    const peer = await crypto.subtle.importKey("raw", theirs, { name: "ECDH", namedCurve: "P-256" }, false, []);
    const secret = await crypto.subtle.deriveBits({ name: "ECDH", public: peer }, pair.privateKey, 256);
    const salt = new Uint8Array([...mine, ...theirs]);
    const c = new SignalClient(ws,
      await directionKey(secret, salt, "bana-signal/1 client to server"),
      await directionKey(secret, salt, "bana-signal/1 server to client"));
    ws.onmessage = (ev) => { c.chain = c.chain.then(() => c.receive(new Uint8Array(ev.data))); };
    ws.onclose = (ev) => {
      for (const w of c.waiters) w.fail(new Error(`closed ${ev.code}: ${ev.reason}`));
      c.waiters = [];
      if (c.onclose) c.onclose(ev);
    };
    const welcome = c.next((m) => m.type === "welcome");
    await c.send({ type: "auth", token });
    c.welcome = await welcome;
    return c;
  }

  async send(msg) {
    this.sendSeq += 1n;
    const header = new Uint8Array(HEADER);
    header[0] = VERSION; header[1] = SEALED;
    new DataView(header.buffer).setBigUint64(2, this.sendSeq);
    const nonce = crypto.getRandomValues(new Uint8Array(NONCE));
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: header },
      this.sendKey, enc.encode(JSON.stringify(msg))));
    this.ws.send(new Uint8Array([...header, ...nonce, ...ct]));
  }

  async receive(frame) {
    if (frame.length < HEADER + NONCE + 16 || frame[0] !== VERSION || frame[1] !== SEALED) {
      this.ws.close(4400, "malformed frame"); return;
    }
    const seq = new DataView(frame.buffer, frame.byteOffset).getBigUint64(2);
    if (seq !== this.recvSeq + 1n) { this.ws.close(4409, "sequence out of order or replayed"); return; }
    let pt;
    try {
      pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: frame.slice(HEADER, HEADER + NONCE),
        additionalData: frame.slice(0, HEADER) }, this.recvKey, frame.slice(HEADER + NONCE));
    } catch { this.ws.close(4423, "decryption failed"); return; }
    this.recvSeq = seq;
    const msg = JSON.parse(dec.decode(pt));
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) { this.waiters.splice(i, 1)[0].ok(msg); return; }
    if (this.onmessage) this.onmessage(msg);
  }

  next(match) {
    return new Promise((ok, fail) => this.waiters.push({ match, ok, fail }));
  }

  // join resolves with the joined message; missed messages (or reload) go to onmessage first.
  async join(room, since) {
    const joined = this.next((m) => m.type === "joined" && m.room === room);
    await this.send(since === undefined ? { type: "join", room } : { type: "join", room, since });
    return joined;
  }

  close() { this.ws.close(1000, ""); }
}
