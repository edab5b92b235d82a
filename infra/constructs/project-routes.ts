import type { Capability, Route } from '../../functions/contract/routes.ts';

/** A route's execute-api resource path for one project: `{project}` filled in, any other parameter `*`. */
export function projectRoutePath(route: Route, project: string): string {
  return route.path.replace(/\{(\w+)\+?\}/g, (_, name: string) => (name === 'project' ? project : '*'));
}

/**
 * The routes a grant of `capabilities` on `project` reaches, with their resource paths. IAM's `*`
 * also matches `/`, so `/docker-credentials/*` would match a route such as
 * `/docker-credentials/{id}/secret` too: a grant whose paths reach a route it does not grant throws.
 */
export function grantedRoutes(routes: readonly Route[], capabilities: readonly Capability[], project: string) {
  const granted = routes.filter((route) => capabilities.includes(route.capability));
  if (granted.length === 0) throw new Error(`no route of this API needs ${JSON.stringify(capabilities)}`);
  for (const route of granted) {
    const pattern = new RegExp(`^${projectRoutePath(route, project).split('*').map(escapeRegExp).join('.*')}$`);
    const reached = routes.filter(
      (other) => !granted.includes(other) && other.method === route.method && pattern.test(projectRoutePath(other, project).replaceAll('*', 'x')),
    );
    if (reached.length > 0) {
      const names = reached.map((r) => `${r.name} (${r.capability})`).join(', ');
      throw new Error(`the resource path of ${route.name} would also match ${names}: give the routes paths that IAM can tell apart`);
    }
  }
  return granted.map((route) => ({ route, path: projectRoutePath(route, project) }));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
