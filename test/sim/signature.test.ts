import twilio from 'twilio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signTwilioRequest, twilioSignedUrl } from '../../src/sim/signing.js';
import { validateTwilioSignature } from '../../src/telephony/signature.js';

// The worked example of Twilio's security docs (reference §5).
const TOKEN = '12345';
const URL_ = 'https://example.com/myapp.php?foo=1&bar=2';
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };

describe('X-Twilio-Signature', () => {
  it('reproduces the worked example', () => {
    expect(signTwilioRequest(TOKEN, URL_, PARAMS)).toBe('L/OH5YylLD5NRKLltdqwSvS0BnU=');
    expect(validateTwilioSignature(TOKEN, URL_, PARAMS, 'L/OH5YylLD5NRKLltdqwSvS0BnU=')).toBe(true);
  });

  it('rejects a wrong token, a changed param, a changed URL, a missing header and an empty token', () => {
    const sig = 'L/OH5YylLD5NRKLltdqwSvS0BnU=';
    expect(validateTwilioSignature('54321', URL_, PARAMS, sig)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_, { ...PARAMS, Digits: '1235' }, sig)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_.replace('foo=1', 'foo=2'), PARAMS, sig)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_, PARAMS, undefined)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_, PARAMS, '')).toBe(false);
    expect(validateTwilioSignature('', URL_, PARAMS, signTwilioRequest('', URL_, PARAMS))).toBe(false);
  });

  it('signs each distinct value of a repeated key, and ignores absent ones', () => {
    const sig = signTwilioRequest(TOKEN, 'https://h.example/cb', { StatusCallbackEvent: ['ringing', 'answered'] });
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', { StatusCallbackEvent: ['answered', 'ringing', 'ringing'] }, sig)).toBe(true);
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', { StatusCallbackEvent: ['answered', 'ringing'], Missing: undefined }, sig)).toBe(true);
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', { StatusCallbackEvent: ['answered'] }, sig)).toBe(false);
  });

  it('signs the URL without fragment or credentials, and without the port for https only', () => {
    expect(twilioSignedUrl('https://user:pw@h.example:8443/cb?x=1#rc=2')).toBe('https://h.example/cb?x=1');
    expect(twilioSignedUrl('http://127.0.0.1:4000/cb?x=1#ct=100')).toBe('http://127.0.0.1:4000/cb?x=1');
  });

  it('accepts the URL with or without its port, as twilio-node does', () => {
    const sig = signTwilioRequest(TOKEN, 'https://h.example/cb', PARAMS);
    expect(validateTwilioSignature(TOKEN, 'https://h.example:443/cb', PARAMS, sig)).toBe(true);
    const withPort = signTwilioRequest(TOKEN, 'https://h.example:443/cb', PARAMS);
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', PARAMS, withPort)).toBe(true);
    const custom = signTwilioRequest(TOKEN, 'https://h.example:8443/cb', PARAMS);
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', PARAMS, custom)).toBe(false);
  });

  it('agrees with twilio.validateRequest on random requests', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !['__proto__', 'constructor', 'prototype'].includes(s));
    fc.assert(
      fc.property(
        fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:3000/tw/status?x=1&y=%20z', 'https://a.b/c?q=%2B1'),
        fc.dictionary(name, fc.string({ maxLength: 20 }), { maxKeys: 8 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        (url, params, token) => {
          const signature = signTwilioRequest(token, url, params);
          expect(validateTwilioSignature(token, url, params, signature)).toBe(true);
          const theirs = twilio.getExpectedTwilioSignature(token, url, { ...params, Extra: 'x' });
          expect(validateTwilioSignature(token, url, params, theirs)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
