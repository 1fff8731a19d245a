// temporary stub standing in for Latchkey to exercise the harness
import { createServer } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
if (process.env.STUB_MODE === 'crash') { console.error('boom: cannot open data dir'); process.exit(3); }
const args = process.argv.slice(2);
const port = Number(args[args.indexOf('--port') + 1]);
const keys = { ES256: (await generateKeyPair('ES256')).privateKey, RS256: (await generateKeyPair('RS256')).privateKey };
createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    if (req.url === '/health/ready') { res.end('{"status":"UP"}'); return; }
    const id = Buffer.from((req.headers.authorization ?? '').slice(6), 'base64').toString().split(':')[0];
    if (process.env.STUB_MODE === 'rs401' && id === 'bench-rs256') { res.statusCode = 401; res.end('{"error":"invalid_client"}'); return; }
    if (process.env.STUB_MODE === 'flaky' && Math.random() < 0.01) { res.statusCode = 500; res.end('{}'); return; }
    if (req.url.endsWith('/token')) {
      const alg = id === 'bench-rs256' ? 'RS256' : 'ES256';
      const t = await new SignJWT({ azp: id }).setProtectedHeader({ alg, typ: 'JWT' }).setIssuedAt().setExpirationTime('5m').sign(keys[alg]);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ access_token: t, token_type: 'Bearer', expires_in: 300 }));
    } else if (req.url.endsWith('/introspect')) {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ active: true }));
    } else { res.statusCode = 404; res.end(); }
  });
}).listen(port, '127.0.0.1');
