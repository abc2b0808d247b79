// Content version of glue-jobs/. The Glue ETL template points its job at s3://<deployment bucket>/glue-jobs/<version>/,
// so a changed script or mapping reaches a stage only when that stage's stack is updated (production after the
// approval), never by the Build stage's upload alone; unchanged files keep the template, and the deploy, a no-op.
// Used by services/glue-etl/serverless.yml (`${file(...):version}`) and scripts/upload-glue-jobs.ts (the Build).
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const GLUE_JOBS = path.join(__dirname, '..', 'glue-jobs');

/** Files a Glue job reads at run time: everything but documentation and the live test's sample data. */
const jobFiles = (root = GLUE_JOBS, dir = root) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'sample' ? [] : jobFiles(root, full);
      return entry.name.endsWith('.md') ? [] : [path.relative(root, full).split(path.sep).join('/')];
    })
    .sort();

const glueJobsVersion = (root = GLUE_JOBS) => {
  const hash = createHash('sha256');
  for (const file of jobFiles(root))
    hash
      .update(`${file}\0`)
      .update(fs.readFileSync(path.join(root, file)))
      .update('\0');
  return hash.digest('hex').slice(0, 12);
};

module.exports = () => ({ version: glueJobsVersion(), files: jobFiles() });
module.exports.GLUE_JOBS = GLUE_JOBS;
module.exports.glueJobsVersion = glueJobsVersion;
module.exports.jobFiles = jobFiles;

if (require.main === module) process.stdout.write(`${glueJobsVersion()}\n`);
