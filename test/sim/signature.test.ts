import twilio from 'twilio';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, twilioSignaturePayload, twilioSignedUrl, validateTwilioSignature } from '../../src/telephony/signature.js';

// The worked example of Twilio's security docs (reference §5).
const TOKEN = '12345';
const URL_ = 'https://example.com/myapp.php?foo=1&bar=2';
const PARAMS = { CallSid: 'CA1234567890ABCDE', Caller: '+14158675310', Digits: '1234', From: '+14158675310', To: '+18005551212' };

describe('X-Twilio-Signature', () => {
  it('reproduces the worked example: payload string and signature', () => {
    expect(twilioSignaturePayload(URL_, PARAMS)).toBe(
      'https://example.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+14158675310Digits1234From+14158675310To+18005551212',
    );
    expect(computeTwilioSignature(TOKEN, URL_, PARAMS)).toBe('L/OH5YylLD5NRKLltdqwSvS0BnU=');
    expect(validateTwilioSignature(TOKEN, URL_, PARAMS, 'L/OH5YylLD5NRKLltdqwSvS0BnU=')).toBe(true);
  });

  it('rejects a wrong token, a changed param, a changed URL and a missing header', () => {
    const sig = 'L/OH5YylLD5NRKLltdqwSvS0BnU=';
    expect(validateTwilioSignature('54321', URL_, PARAMS, sig)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_, { ...PARAMS, Digits: '1235' }, sig)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_.replace('foo=1', 'foo=2'), PARAMS, sig)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_, PARAMS, undefined)).toBe(false);
    expect(validateTwilioSignature(TOKEN, URL_, PARAMS, '')).toBe(false);
  });

  it('sorts names by code unit (upper case before lower case) and signs each distinct value of a repeated key', () => {
    expect(twilioSignaturePayload('u', { b: '1', B: '2', a: '3' })).toBe('uB2a3b1');
    expect(twilioSignaturePayload('u', { StatusCallbackEvent: ['ringing', 'answered', 'ringing'] })).toBe('uStatusCallbackEventansweredStatusCallbackEventringing');
  });

  it('signs the URL without fragment or credentials, and without the port for https only', () => {
    expect(twilioSignedUrl('https://user:pw@h.example:8443/cb?x=1#rc=2')).toBe('https://h.example/cb?x=1');
    expect(twilioSignedUrl('http://127.0.0.1:4000/cb?x=1#ct=100')).toBe('http://127.0.0.1:4000/cb?x=1');
  });

  it('accepts the URL with or without the default port, as twilio-node does', () => {
    const sig = computeTwilioSignature(TOKEN, 'https://h.example/cb', PARAMS);
    expect(validateTwilioSignature(TOKEN, 'https://h.example:443/cb', PARAMS, sig)).toBe(true);
    const withPort = computeTwilioSignature(TOKEN, 'https://h.example:443/cb', PARAMS);
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', PARAMS, withPort)).toBe(true);
    const custom = computeTwilioSignature(TOKEN, 'https://h.example:8443/cb', PARAMS);
    expect(validateTwilioSignature(TOKEN, 'https://h.example/cb', PARAMS, custom)).toBe(false);
  });

  it('agrees with twilio.validateRequest and twilio.getExpectedTwilioSignature on random requests', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => !['__proto__', 'constructor', 'prototype'].includes(s));
    fc.assert(
      fc.property(
        fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:3000/tw/status?x=1&y=%20z', 'https://a.b/c?q=%2B1'),
        fc.dictionary(name, fc.string({ maxLength: 20 }), { maxKeys: 8 }),
        fc.string({ minLength: 1, maxLength: 30 }),
        (url, params, token) => {
          const ours = computeTwilioSignature(token, url, params);
          expect(ours).toBe(twilio.getExpectedTwilioSignature(token, url, params));
          expect(twilio.validateRequest(token, ours, url, params)).toBe(true);
          expect(validateTwilioSignature(token, url, params, ours)).toBe(true);
          const theirs = twilio.getExpectedTwilioSignature(token, url, { ...params, Extra: 'x' });
          expect(validateTwilioSignature(token, url, params, theirs)).toBe(false);
        },
      ),
      { numRuns: 200 },
    );
  });
});
