import { execFileSync } from 'node:child_process';

/**
 * The profiles botocore (boto3, the aws CLI) reads from a credentials file with `raw_config_parse`, each whole
 * (`[DEFAULT]`'s entries merged into every profile, as configparser does); 'refused' when it refuses the file. Runs
 * Debian's botocore (/usr/bin/python3, python3-boto3): the peer the server's rewrites and the CLI's reader are held to.
 */
export function botocoreProfiles(file: string): Record<string, Record<string, string>> | 'refused' {
  const script = [
    'import json, sys',
    'from botocore.configloader import raw_config_parse',
    'from botocore.exceptions import ConfigParseError',
    'try:',
    '    print(json.dumps(raw_config_parse(sys.argv[1])))',
    'except ConfigParseError:',
    '    print(json.dumps("refused"))',
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' } });
  return JSON.parse(out) as Record<string, Record<string, string>> | 'refused';
}
