import { Router } from 'express';
import type { Request, Response } from 'express';
import { toneWav } from '../shared/wav.js';
import { TwilioApiError, notFound } from './errors.js';
import { silentMp3 } from './mp3.js';
import { type Recordings, type SimRecording, recordingJson } from './recordings.js';

/**
 * The Recording resource (twilio-recording.md §5): fetch, list, delete, at account level and under a call, and the
 * media (.wav, .mp3, no extension = wav) behind the same HTTP Basic auth as the REST API.
 */
export function recordingsRouter(deps: { accountSid: string; recordings: Recordings }): Router {
  const router = Router({ caseSensitive: true, strict: true });
  const account = '/2010-04-01/Accounts/:accountSid';

  router.get(`${account}/Recordings.json`, (req, res) => {
    res.json(listPage(req, deps, 'account', typeof req.query.CallSid === 'string' ? req.query.CallSid : undefined));
  });
  router.get(`${account}/Calls/:callSid/Recordings.json`, (req, res) => {
    res.json(listPage(req, deps, 'call', String(req.params.callSid)));
  });
  router.get(`${account}/Calls/:callSid/Recordings/:file`, (req, res) => {
    const { rec, ext } = find(req, deps, String(req.params.file));
    if (rec.callSid !== req.params.callSid || ext !== 'json') throw notFound(req.path);
    res.json(recordingJson(rec, 'call', deps.recordings.mediaUrl(rec)));
  });
  router.delete(`${account}/Calls/:callSid/Recordings/:file`, (req, res) => {
    const { rec } = find(req, deps, String(req.params.file));
    if (rec.callSid !== req.params.callSid) throw notFound(req.path);
    remove(deps.recordings, rec, res);
  });
  router.get(`${account}/Recordings/:file`, (req, res) => {
    const { rec, ext } = find(req, deps, String(req.params.file));
    if (ext === 'json') return void res.json(recordingJson(rec, 'account', deps.recordings.mediaUrl(rec)));
    sendMedia(req, res, rec, ext);
  });
  router.delete(`${account}/Recordings/:file`, (req, res) => {
    remove(deps.recordings, find(req, deps, String(req.params.file)).rec, res);
  });
  return router;
}

const FILE = /^(RE[0-9a-f]{32})(?:\.(json|wav|mp3))?$/;

function find(req: Request, deps: { recordings: Recordings }, file: string): { rec: SimRecording; ext: 'json' | 'wav' | 'mp3' } {
  const match = FILE.exec(file);
  const rec = match ? deps.recordings.get(match[1]!) : undefined;
  // Deleted ones stay visible as metadata only with IncludeSoftDeleted=true.
  if (!rec || (rec.status === 'deleted' && req.query.IncludeSoftDeleted !== 'true' && match?.[2] === 'json')) throw notFound(req.path);
  return { rec, ext: (match![2] ?? 'wav') as 'json' | 'wav' | 'mp3' };
}

function remove(recordings: Recordings, rec: SimRecording, res: Response): void {
  if (rec.status === 'deleted') throw new TwilioApiError(404, 20404, `Recording ${rec.sid} was already deleted`);
  // Unverified: the code for deleting a recording that is not completed is undocumented (open question 8).
  if (!recordings.remove(rec)) throw new TwilioApiError(400, 21220, `Recording ${rec.sid} is ${rec.status}; only completed recordings can be deleted`);
  res.status(204).end();
}

/** Only completed media exists; the tone is 440 Hz on channel 1 (the parent) and 660 Hz on channel 2 (the child). */
function sendMedia(req: Request, res: Response, rec: SimRecording, ext: 'wav' | 'mp3'): void {
  if (rec.status !== 'completed') throw notFound(req.path);
  const requested = req.query.RequestedChannels;
  let channels: 1 | 2 = rec.channels;
  if (requested === '2' && rec.channels === 1) throw new TwilioApiError(400, 16113, 'Dual-channel download of a mono recording is not possible; retry with RequestedChannels=1');
  if (requested === '1') channels = 1;
  const durationMs = (rec.durationS ?? 0) * 1000;
  const body = ext === 'mp3' ? silentMp3(durationMs, channels) : toneWav({ durationMs, channels });
  res.type(ext === 'mp3' ? 'audio/mpeg' : 'audio/x-wav').setHeader('Content-Length', String(body.length));
  res.end(body);
}

function listPage(req: Request, deps: { accountSid: string; recordings: Recordings }, shape: 'account' | 'call', callSid: string | undefined) {
  const q = req.query as Record<string, string | undefined>;
  const pageSize = Math.min(1000, Math.max(1, Number.parseInt(q.PageSize ?? '50', 10) || 50));
  const page = Math.max(0, Number.parseInt(q.Page ?? '0', 10) || 0);
  const day = (text: string, end: boolean) => {
    const dayOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
    const ms = Date.parse(dayOnly ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(ms)) throw new TwilioApiError(400, 20001, `Invalid date: ${text}`);
    return dayOnly && end ? ms + 86_400_000 - 1 : ms;
  };
  const matches = deps.recordings.list()
    .filter((r) => callSid === undefined || r.callSid === callSid)
    .filter((r) => r.status !== 'deleted' || q.IncludeSoftDeleted === 'true')
    .filter((r) => q.DateCreated === undefined || (r.dateCreated >= day(q.DateCreated, false) && r.dateCreated <= day(q.DateCreated, true)))
    .filter((r) => q['DateCreated>'] === undefined || r.dateCreated >= day(q['DateCreated>'], false))
    .filter((r) => q['DateCreated<'] === undefined || r.dateCreated <= day(q['DateCreated<'], true))
    .reverse(); // newest first
  const start = page * pageSize;
  const items = matches.slice(start, start + pageSize);
  const path = shape === 'call' ? `/2010-04-01/Accounts/${deps.accountSid}/Calls/${callSid}/Recordings.json` : `/2010-04-01/Accounts/${deps.accountSid}/Recordings.json`;
  const uri = (n: number) => `${path}?PageSize=${pageSize}&Page=${n}${shape === 'account' && callSid ? `&CallSid=${callSid}` : ''}`;
  return {
    recordings: items.map((r) => recordingJson(r, shape, deps.recordings.mediaUrl(r))),
    end: start + Math.max(0, items.length - 1),
    first_page_uri: uri(0),
    next_page_uri: start + pageSize < matches.length ? uri(page + 1) : null,
    page,
    page_size: pageSize,
    previous_page_uri: page > 0 ? uri(page - 1) : null,
    start,
    uri: uri(page),
  };
}
