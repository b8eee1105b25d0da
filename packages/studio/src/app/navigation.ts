/** One place in Studio's navigation; `comingWith` marks pages whose capability has not shipped yet. */
export interface NavItem {
  readonly label: string;
  readonly to: string;
  readonly description: string;
  /** Keyboard shortcut after `g` (e.g. `u` for Users). */
  readonly key?: string;
  readonly comingWith?: string;
}

export interface NavGroup {
  readonly label: 'Data' | 'Build' | 'Deploy' | 'Govern';
  readonly items: readonly NavItem[];
}

/**
 * Studio's map, grouped the way people think about ML work rather than by API family. Each capability
 * adds its pages here; until it ships, its entry says what it will bring instead of showing fake data.
 */
export const navigation: readonly NavGroup[] = [
  {
    label: 'Data',
    items: [
      { label: 'Datasets', to: '/datasets', description: 'Import, profile and transform data visually.' },
      { label: 'Data flows', to: '/flows', description: 'Prepare data with a visual flow of transforms, previewed live and run on DuckDB.' },
    ],
  },
  {
    label: 'Build',
    items: [
      { label: 'Training jobs', to: '/training-jobs', description: 'Train models with built-in algorithms or your own container.' },
      { label: 'Processing jobs', to: '/processing-jobs', description: 'Run data preparation and evaluation scripts.' },
      { label: 'Experiments', to: '/experiments', description: 'Compare runs, parameters and metrics.' },
      { label: 'Tuning jobs', to: '/tuning-jobs', description: 'Search hyperparameters with Bayesian, random, grid or Hyperband strategies.' },
      { label: 'Search', to: '/search', description: 'Find jobs, models, registry versions, endpoints, experiments, trials and trial components by any property: status, hyperparameters, metrics, tags.' },
    ],
  },
  {
    label: 'Deploy',
    items: [
      { label: 'Models', to: '/models', description: 'Serving images paired with the model data training wrote; endpoint configs put them on variants.' },
      { label: 'Endpoints', to: '/endpoints', description: 'Real-time inference with variants and safe rollouts.' },
      { label: 'Model registry', to: '/model-registry', description: 'Versioned model groups: compare versions, approve or reject them, deploy an approved one.' },
      { label: 'Batch transform', to: '/batch-transform', description: 'Score whole datasets offline.' },
    ],
  },
  {
    label: 'Govern',
    items: [
      { label: 'Users & access keys', to: '/users', key: 'u', description: 'Who can use Loam: users, access keys, API tokens and their policies.' },
      { label: 'Policies', to: '/policies', key: 'p', description: 'What each user may do, as IAM policy documents.' },
      { label: 'Tags', to: '/tags', key: 't', description: 'Key–value labels on any resource, by its ARN.' },
      { label: 'Model monitor & Clarify', to: '/monitoring', description: 'Bias, explainability and drift reports.', comingWith: 'Analytics for Clarify and Model Monitor' },
      { label: 'Settings', to: '/settings', key: 's', description: 'Appearance, your session and the server’s configuration.' },
    ],
  },
];

export const allNavItems: readonly NavItem[] = navigation.flatMap((g) => g.items);
