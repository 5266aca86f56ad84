/**
 * Requests that read a job's JSON output back for a panel (`analysis.markers`, `face.tracks`) take only an
 * absolute path to a .json file: the daemon reads what a job of ours wrote, not any file a client names.
 */
import { extname, isAbsolute } from 'node:path';
import { JobError } from '../pipeline/types.ts';

/** `param` names the request's field, `job` the job whose output it must be ("an analyze job's"). */
export function assertJobJsonPath(path: string, param: string, job: string): void {
  if (!isAbsolute(path) || extname(path).toLowerCase() !== '.json') {
    throw new JobError('BAD_PARAM', `${param} must be the absolute path of ${job} .json output: ${path}`);
  }
}
