import type { Request, Response } from 'express';
import { HttpError } from '../http/errors.js';
import { parseIdParam } from '../http/id-param.js';
import { pageParam, pagination } from '../http/pagination.js';
import { ROLE_WORDS } from './team-roles.js';
import { limitsSummary } from './teams-routes.js';
import { ADMIN_TEAMS_PER_PAGE, type TeamsService } from './teams-service.js';

const NO_TEAM = 'There is no team with that number.';

/** The admin console's teams: a paged list searchable by name, and one team's members, roles and limits. */
export function teamsAdminRoutes(deps: { teams: TeamsService; currency: string }) {
  const { teams, currency } = deps;
  return {
    /** GET /admin/teams?q=&page= */
    async list(req: Request, res: Response) {
      const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 80) : '';
      const page = pageParam(req.query.page);
      const found = await teams.admin.page(q, page);
      const pages = Math.max(1, Math.ceil(found.total / ADMIN_TEAMS_PER_PAGE));
      res.render('pages/teams-admin-list', {
        title: 'Teams',
        q,
        total: found.total,
        rows: found.rows.map((r) => ({ ...r, created: r.createdAt.slice(0, 10) })),
        pager: pagination('/admin/teams', (p) => new URLSearchParams({ ...(q ? { q } : {}), ...(p > 1 ? { page: String(p) } : {}) }).toString(), Math.min(page, pages), pages),
      });
    },

    /** GET /admin/teams/:id */
    async show(req: Request, res: Response) {
      const found = await teams.admin.team(parseIdParam(req.params.id, NO_TEAM));
      if (!found) throw new HttpError(404, NO_TEAM);
      res.render('pages/teams-admin-show', {
        title: found.team.name,
        team: found.team,
        members: found.members.map((m) => ({ ...m, roleWord: ROLE_WORDS[m.role], limits: limitsSummary(m, currency), joined: m.joinedAt.slice(0, 10) })),
        invitations: found.invitations.map((i) => ({ ...i, roleWord: ROLE_WORDS[i.role], expires: i.expiresAt.slice(0, 10) })),
      });
    },

    /** The user's teams for the admin user page. */
    teamsOf: async (userId: number) => (await teams.admin.teamsOf(userId)).map((t) => ({ id: t.id, name: t.name, role: ROLE_WORDS[t.role], members: t.members })),
  };
}
