"""Suites from elsewhere: voiceflow-cli test suites, Voiceflow transcripts (`vftest import`)."""
