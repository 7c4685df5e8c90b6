import test from 'ava';
import {
  ConfigError, ErrorCodes, PilotError, decodeForm, describeReply, encodeForm, parseReply, structuredField,
} from '../../../core/index.js';

test('form encoding round-trips what Python urlencode writes, lists as JSON text', (t) => {
  const fields = { a: 'x y&z=1', n: 16, flag: true, none: null, skip: undefined, list: [{ id: 'r-1' }], pct: '100%+#;', u: 'é€😀\u0001' };
  const body = encodeForm(fields);
  t.is(body, 'a=x+y%26z%3D1&n=16&flag=True&none=None&list=[{"id":"r-1"}]&pct=100%25%2B%23%3B&u=%C3%A9%E2%82%AC%F0%9F%98%80%01');
  t.deepEqual({ ...decodeForm(body) }, { a: 'x y&z=1', n: '16', flag: 'True', none: 'None', list: '[{"id":"r-1"}]', pct: '100%+#;', u: 'é€😀\u0001' });
  t.deepEqual(Object.fromEntries(new URLSearchParams(body)), { ...decodeForm(body) }, 'a standard form parser reads the same');
  t.is(decodeForm(encodeForm({ s: 'a\uD800b' }))['s'], 'a\uFFFDb', 'a lone surrogate becomes U+FFFD');
  t.deepEqual({ ...decodeForm('k=%zz&k2') }, { k: '%zz', k2: '' }, 'a stray % is kept, a bare key is empty');
});

test('replies parse from JSON or form; StatusCode as int or string', (t) => {
  const json = parseReply('getJob', '{"StatusCode": 20, "errorDialog": "no jobs"}');
  t.is(json.statusCode, 20);
  t.is(json.encoding, 'json');
  const form = parseReply('getJob', 'StatusCode=0&PandaID=42');
  t.is(form.statusCode, 0);
  t.is(form.encoding, 'form');
  t.is(form.fields['PandaID'], '42');
  t.is(parseReply('x', '{"StatusCode": "10"}').statusCode, 10);
});

test('malformed replies give clear non-recoverable errors naming the command', (t) => {
  const cases: [string, RegExp][] = [
    ['', /getEventRanges: malformed reply .*an empty body/],
    ['foo=bar', /getEventRanges: .*no StatusCode \(got "foo=bar"\)/],
    ['<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>', /HTML page .*title "502 Bad Gateway"/],
    ['{"StatusCode": 0', /invalid JSON/],
    ['["StatusCode", 0]', /malformed reply/],
    ['StatusCode=abc', /StatusCode is not an integer: "abc"/],
  ];
  for (const [body, message] of cases) {
    const err = t.throws(() => parseReply('getEventRanges', body), { instanceOf: PilotError, message });
    t.is(err.code, ErrorCodes.COMMUNICATIONFAILURE);
    t.false(err.recoverable);
  }
});

test('structured fields accept lists, JSON text and Python literals, else a ConfigError naming the field', (t) => {
  t.deepEqual(structuredField('u', { Returns: [true] }, 'Returns', 'a list'), [true]);
  t.deepEqual(structuredField('u', { Returns: '[true, null]' }, 'Returns', 'a list'), [true, null]);
  t.deepEqual(structuredField('u', { Returns: '[True, False, None]' }, 'Returns', 'a list', true), [true, false, null]);
  const err = t.throws(() => structuredField('getEventRanges', { eventRanges: 'not json' }, 'eventRanges', 'a JSON list of event ranges'), { instanceOf: ConfigError });
  t.is(err.code, ErrorCodes.CONVERSIONFAILURE);
  t.regex(err.message, /getEventRanges\.eventRanges: expected a JSON list of event ranges, got "not json"/);
});

test('reply summaries for logs never show credentials', (t) => {
  const line = describeReply({ StatusCode: 0, publicKey: 'PUB-KEY-VALUE', privateKey: 'PRIV-KEY-VALUE', userProxy: 'PROXY', eventRanges: [1, 2] });
  t.false(/PUB-KEY-VALUE|PRIV-KEY-VALUE|PROXY/.test(line), line);
  t.regex(line, /publicKey=\*{8} privateKey=\*{8} userProxy=\*{8} eventRanges=\[2 items\]/);
});

test('reply excerpts: key fields masked in every encoding, registered secrets masked, bounded and escaped', async (t) => {
  const { SecretRegistry, maskKeyFields, registerBodySecrets, replyExcerpt } = await import('../../../core/index.js');
  t.is(maskKeyFields('{"privateKey": "abc\\"def", "x": 1}'), '{"privateKey": ********, "x": 1}');
  t.is(maskKeyFields("{'publicKey': 'p1', 'userProxy': 'p2'}"), "{'publicKey': ********, 'userProxy': ********}");
  t.is(maskKeyFields('publicKey=a%2Bb&StatusCode=0'), 'publicKey=********&StatusCode=0');
  t.is(maskKeyFields('token: abcdef ok'), 'token: ******** ok');
  t.is(maskKeyFields('{"privateKey": "cut sho'), '{"privateKey": ********', 'a value cut by a truncated body');
  t.is(maskKeyFields('x -----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY----- y'), 'x ******** y');
  const secrets = new SecretRegistry();
  registerBodySecrets('publicKey=PUB%2BKEY%2Fvalue&privateKey=-----BEGIN+RSA+PRIVATE+KEY-----%0AMIIEowIBAAKCAQEA7bq9x%0A-----END+RSA+PRIVATE+KEY-----', secrets);
  t.true(secrets.contains('PUB+KEY/value'), 'the form-decoded value is registered');
  t.true(secrets.contains('MIIEowIBAAKCAQEA7bq9x'), 'a PEM line is registered');
  registerBodySecrets('{"a": {"secrets": "{\\"S\\": \\"nested-secret-value\\"}"}, "userProxy": "NULL"}', secrets);
  t.true(secrets.contains('nested-secret-value'), 'JSON text inside a secret field, at depth');
  t.false(secrets.contains('NULL'), 'placeholders are not secrets');
  const excerpt = replyExcerpt(`x PUB+KEY/value \u0000 ${'y'.repeat(200)}`, secrets);
  t.is(excerpt, JSON.stringify(`x ******** \u0000 ${'y'.repeat(64)}...`), 'cut to 80 characters');
  t.true(excerpt.includes('\\u0000'), 'control characters escaped');
});

test('parseReply registers credentials from a reply of any shape before judging it', async (t) => {
  const { SecretRegistry } = await import('../../../core/index.js');
  const secrets = new SecretRegistry();
  const err = t.throws(() => parseReply('getKeyPair', '{"publicKey": "pub-0123456789", "privateKey": "priv-0123456789"}', secrets), { instanceOf: PilotError });
  t.true(secrets.contains('priv-0123456789') && secrets.contains('pub-0123456789'));
  t.false(err.message.includes('0123456789'), err.message);
  t.true(err.message.endsWith('no StatusCode (got "{\\"publicKey\\": ********, \\"privateKey\\": ********}")'), err.message);
  const invalid = t.throws(() => parseReply('getJob', '{"userProxy": "proxy-0123456789",,}', secrets), { instanceOf: PilotError });
  t.false(invalid.message.includes('proxy-0123456789'), invalid.message);
  t.regex(invalid.message, /invalid JSON/);
});
