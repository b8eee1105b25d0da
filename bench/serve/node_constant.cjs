// Bare node:http answering a constant to any request: the same single-row CSV POST Loam gets (its body
// read and dropped), one process. The "limit on this machine" for that request (issue 7), next to the
// peer's GET /ping constant server (../../../shared/bench/serve/app_node.js).
//   PORT=8091 node bench/serve/node_constant.cjs
const http = require('node:http');
const OUT = Buffer.from('0.5');
http
  .createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'Content-Type': 'text/csv', 'Content-Length': OUT.length });
      res.end(OUT);
    });
  })
  .listen(Number(process.env.PORT || 8091), '127.0.0.1');
