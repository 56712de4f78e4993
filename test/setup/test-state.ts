/** Handed from globalSetup to the test workers through the environment. */
export interface TestRunState {
  runId: string;
  /** Owner (superuser) URL of the server the run uses. */
  serverUrl: string;
  templateDatabase: string;
  clusterDir?: string;
}

export const TEST_STATE_ENV = 'GOVMATRIX_TEST_STATE';
