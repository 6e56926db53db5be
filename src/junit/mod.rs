//! JUnit XML ingest.
