import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { isSameOrigin, sameOriginOnly } from '../../src/http/same-origin.js';

/** The app's one same-origin rule, as the CSRF check of public forms, the handset pages and the jobs dashboard use it. */
describe('sameOriginOnly', () => {
  const app = express();
  app.set('trust proxy', false);
  app.use(sameOriginOnly());
  app.all('/x', (req, res) => void res.json({ sameOrigin: isSameOrigin(req) }));
  const post = () => request(app).post('/x').set('Host', 'a.test:8080');

  it('lets reads through whatever their headers', async () => {
    await request(app).get('/x').set('Origin', 'https://evil.example').set('Sec-Fetch-Site', 'cross-site').expect(200);
    await request(app).head('/x').set('Cookie', 'sid=1').expect(200);
  });

  it('accepts Sec-Fetch-Site same-origin and none, whatever Origin says (no-referrer makes form posts send Origin: null)', async () => {
    await post().set('Sec-Fetch-Site', 'same-origin').set('Origin', 'null').set('Cookie', 'sid=1').expect(200);
    await post().set('Sec-Fetch-Site', 'none').set('Cookie', 'sid=1').expect(200);
  });

  it('refuses any other Sec-Fetch-Site, even with our Origin', async () => {
    await post().set('Sec-Fetch-Site', 'cross-site').expect(403);
    await post().set('Sec-Fetch-Site', 'same-site').set('Origin', 'http://a.test:8080').expect(403);
  });

  it('without Sec-Fetch-Site, accepts only an Origin naming this host and port; refuses Origin: null', async () => {
    await post().set('Origin', 'http://a.test:8080').set('Cookie', 'sid=1').expect(200);
    await post().set('Origin', 'http://a.test').expect(403);
    await post().set('Origin', 'https://evil.example').expect(403);
    await post().set('Origin', 'null').expect(403);
    await post().set('Origin', 'not a url').expect(403);
  });

  it('with neither header, refuses a request that carries cookies and lets a cookieless client through', async () => {
    await post().set('Cookie', 'sid=1').expect(403);
    await request(app).delete('/x').set('Cookie', 'sid=1').expect(403);
    await post().expect(200);
  });

  it('does not take Referer as proof', async () => {
    await post().set('Referer', 'http://a.test:8080/page').set('Cookie', 'sid=1').expect(403);
  });

  it('answers with the caller\'s refusal', async () => {
    const json = express();
    json.use(sameOriginOnly((res) => void res.json({ error: 'cross-origin request refused' })));
    json.post('/x', (_req, res) => void res.send('ok'));
    const refused = await request(json).post('/x').set('Origin', 'https://evil.example').expect(403);
    expect(refused.body).toEqual({ error: 'cross-origin request refused' });
  });
});
