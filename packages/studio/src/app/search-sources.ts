import { loam } from '../api/client.js';
import { allNavItems } from './navigation.js';

export interface SearchHit {
  readonly kind: string;
  readonly name: string;
  readonly to: string;
  readonly detail?: string;
}

/** A kind of thing the global search can find by name; each capability adds one. */
export interface SearchSource {
  readonly kind: string;
  search(term: string, signal: AbortSignal): Promise<SearchHit[]>;
}

const contains = (s: string, term: string) => s.toLowerCase().includes(term.toLowerCase());

export const searchSources: readonly SearchSource[] = [
  {
    kind: 'Page',
    search: async (term) =>
      allNavItems.filter((i) => contains(i.label, term) || contains(i.description, term)).map((i) => ({ kind: 'Page', name: i.label, to: i.to, detail: i.comingWith ? `Coming with ${i.comingWith}` : i.description })),
  },
  {
    kind: 'User',
    search: async (term, signal) => {
      const r = await loam.ListUsers({ NameContains: term, MaxResults: 10 }, { signal });
      return r.Users.map((u) => ({ kind: 'User', name: u.UserName, to: `/users/${encodeURIComponent(u.UserName)}`, detail: u.AttachedPolicies.join(', ') || 'no policies' }));
    },
  },
  {
    kind: 'Policy',
    search: async (term, signal) => {
      const r = await loam.ListPolicies({ MaxResults: 100 }, { signal });
      return r.Policies.filter((p) => contains(p.PolicyName, term))
        .slice(0, 10)
        .map((p) => ({ kind: 'Policy', name: p.PolicyName, to: `/policies/${encodeURIComponent(p.PolicyName)}`, detail: p.Description ?? (p.IsBuiltIn ? 'built in' : '') }));
    },
  },
  {
    kind: 'Model',
    search: async (term, signal) => {
      const r = await loam.ListModels({ NameContains: term.replace(/[^a-zA-Z0-9-]/g, ''), MaxResults: 10 }, { signal });
      return r.Models.map((m) => ({ kind: 'Model', name: m.ModelName, to: `/models/${encodeURIComponent(m.ModelName)}` }));
    },
  },
  {
    kind: 'Endpoint',
    search: async (term, signal) => {
      const r = await loam.ListEndpoints({ NameContains: term.replace(/[^a-zA-Z0-9-]/g, ''), MaxResults: 10 }, { signal });
      return r.Endpoints.map((e) => ({ kind: 'Endpoint', name: e.EndpointName, to: `/endpoints/${encodeURIComponent(e.EndpointName)}`, detail: e.EndpointStatus }));
    },
  },
];
