/** A click: the request that places a call (POST /calls). */
export const isClick = (req: { method: string; path: string }): boolean => req.method === 'POST' && req.path === '/calls';
