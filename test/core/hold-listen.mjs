// Loaded into a spawned stachub by test/core/stop-signal.test.ts (`node --import`): before the
// first server of the process starts listening, it writes "hold: listen" to stderr and blocks until
// the test writes a byte to its stdin (or closes it), so the test can signal the process at a known
// moment of its start-up, before any ready line.
import fs from 'node:fs';
import net from 'node:net';

const listen = net.Server.prototype.listen;
let held = false;
net.Server.prototype.listen = function (...args) {
  if (!held) {
    held = true;
    fs.writeSync(2, 'hold: listen\n');
    const byte = Buffer.alloc(1);
    for (;;) {
      try {
        fs.readSync(0, byte, 0, 1, null);
        break;
      } catch (err) {
        if (err.code !== 'EAGAIN' && err.code !== 'EINTR') throw err;
      }
    }
  }
  return listen.apply(this, args);
};
