/**
 * The bridge into a network-isolated model server (started by the sandbox script, as root, inside the
 * instance's own network namespace): every connection to the Unix socket `argv[2]` (on the host's
 * side) is piped to 127.0.0.1:`argv[3]` in that namespace. It ends with the instance: when its parent
 * (the instance's process, which the sandbox script became) is gone, or on SIGTERM/SIGKILL to the group.
 *   node loopback-bridge.mjs <socket> <port>
 * Plain JavaScript, shipped as it is (not built): sources and the build run the same file.
 */
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const [socket, portText] = process.argv.slice(2);
const port = Number(portText);
if (!socket || !Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: loopback-bridge <socket> <port>\n');
  process.exit(2);
}
const parent = process.ppid;
rmSync(socket, { force: true });
const server = createServer((client) => {
  const upstream = connect(port, '127.0.0.1');
  client.pipe(upstream);
  upstream.pipe(client);
  const end = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
});
// Owner only (root): the socket lives in a directory only root can enter as well.
server.listen(socket, () => chmodSync(socket, 0o600));
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 500).unref();
server.on('error', (e) => {
  process.stderr.write(`loopback-bridge: ${e.message}\n`);
  process.exit(1);
});
