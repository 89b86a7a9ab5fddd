/** The `page` query parameter: a positive whole number, 1 when absent or malformed. */
export function pageParam(value: unknown): number {
  return typeof value === 'string' && /^\d{1,6}$/.test(value) ? Math.max(1, Number(value)) : 1;
}

export interface PageLink {
  label: string;
  href: string | undefined;
}

/** Previous/next links and "page x of y" for any paged list; href is undefined where there is no such page. */
export function pagination(base: string, params: (page: number) => string, page: number, pages: number) {
  const link = (p: number) => {
    const qs = params(p);
    return `${base}${qs ? `?${qs}` : ''}`;
  };
  return {
    page,
    pages,
    previous: page > 1 ? link(page - 1) : undefined,
    next: page < pages ? link(page + 1) : undefined,
  };
}
