import * as z from 'zod/mini';
import { credentialId, projectName } from './fields.ts';

export const projectParams = z.object({ project: projectName });
export const credentialParams = z.object({ project: projectName, id: credentialId });
