/**
 * A loopback HTTP server in front of moto for the failover tests. moto 5.2.1 has Route 53 health checks,
 * tags and record sets but no TestDNSAnswer (it returns an HTML 404), so this server answers
 * `GET /2013-04-01/testdnsanswer` itself, in Route 53's REST XML, from an answer the test sets, and passes
 * every other request through to moto unchanged (Route 53 and DynamoDB alike: point AWS_ENDPOINT_URL here).
 * It can also refuse chosen Route 53 calls, to test what the CLI does when AWS fails.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route53Proxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** What TestDNSAnswer answers from now on. */
  setAnswer(values: readonly string[], responseCode?: string): void;
  /** Refuse (HTTP 500, InternalFailure) requests for which this returns true, e.g. clearing Inverted. */
  failWhen(predicate: ((req: { method: string; path: string; body: string }) => boolean) | null): void;
  /** TestDNSAnswer requests received. */
  readonly testDnsAnswerCalls: number;
  close(): Promise<void>;
}

export async function startRoute53Proxy(motoEndpoint: string, initialAnswer: readonly string[]): Promise<Route53Proxy> {
  let answer = { values: [...initialAnswer], code: 'NOERROR' };
  let fail: ((req: { method: string; path: string; body: string }) => boolean) | null = null;
  let calls = 0;
  const moto = new URL(motoEndpoint);

  const handle = (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://x');
    const text = body.toString('utf8');
    if (fail?.({ method: req.method ?? 'GET', path: url.pathname, body: text }) === true) {
      res.writeHead(500, { 'content-type': 'text/xml' });
      res.end('<?xml version="1.0"?><ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>refused by the test</Message></Error></ErrorResponse>');
      return;
    }
    if (url.pathname === '/2013-04-01/testdnsanswer') {
      calls += 1;
      const name = url.searchParams.get('recordname') ?? '';
      const type = url.searchParams.get('recordtype') ?? 'A';
      const entries = answer.values.map((v) => `<RecordDataEntry>${v}</RecordDataEntry>`).join('');
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?><TestDNSAnswerResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">` +
          `<Nameserver>ns-1.awsdns-01.org</Nameserver><RecordName>${name}</RecordName><RecordType>${type}</RecordType>` +
          `<RecordData>${entries}</RecordData><ResponseCode>${answer.code}</ResponseCode><Protocol>UDP</Protocol></TestDNSAnswerResponse>`,
      );
      return;
    }
    const upstream = request(
      { host: moto.hostname, port: moto.port, method: req.method, path: req.url, headers: { ...req.headers, host: moto.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setAnswer(values, responseCode = 'NOERROR') {
      answer = { values: [...values], code: responseCode };
    },
    failWhen(predicate) {
      fail = predicate;
    },
    get testDnsAnswerCalls() {
      return calls;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
