import type { Request, Response } from 'express';
import { pageParam, pagination } from '../http/pagination.js';
import type { AuditFilter, AuditRepository } from './audit-log.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function text(value: unknown, max = 100): string {
  return typeof value === 'string' ? value.trim().slice(0, max) : '';
}

/** A YYYY-MM-DD that is a real day, else empty (so 2026-02-31 filters nothing rather than March 3rd). */
export function dayParam(value: unknown): string {
  const day = text(value, 10);
  if (!DAY.test(day)) return '';
  const date = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day ? day : '';
}

export function auditRoutes(deps: { audit: AuditRepository }) {
  return {
    async list(req: Request, res: Response) {
      const values = { action: text(req.query.action, 40), actor: text(req.query.actor), subject: text(req.query.subject, 120), from: dayParam(req.query.from), to: dayParam(req.query.to) };
      const filter: AuditFilter = {
        action: values.action || undefined,
        actor: values.actor || undefined,
        subject: values.subject || undefined,
        from: values.from ? `${values.from}T00:00:00.000Z` : undefined,
        // "to" is inclusive: everything before the next day.
        to: values.to ? new Date(Date.parse(`${values.to}T00:00:00Z`) + 86_400_000).toISOString() : undefined,
      };
      const result = await deps.audit.page(filter, pageParam(req.query.page));
      const params = (page: number) => {
        const qs = new URLSearchParams(Object.entries(values).filter(([, v]) => v));
        if (page > 1) qs.set('page', String(page));
        return qs.toString();
      };
      res.render('pages/admin-audit', {
        title: 'Audit log',
        values,
        actions: await deps.audit.actions(),
        rows: result.rows.map((r) => ({ ...r, when: r.createdAt.replace('T', ' ').slice(0, 19) })),
        total: result.total,
        pager: pagination('/admin/audit', params, result.page, result.pages),
      });
    },
  };
}
