{
  "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
  "verificationMaterial": {
    "publicKey": {
      "hint": "24c956b0fc271b372d31a08663c26f4c7de30163b189cf98456579622f04d2db"
    },
    "tlogEntries": []
  },
  "dsseEnvelope": {
    "payload": "eyJfdHlwZSI6Imh0dHBzOi8vaW4tdG90by5pby9TdGF0ZW1lbnQvdjEiLCJzdWJqZWN0IjpbeyJuYW1lIjoibW9kZWwiLCJkaWdlc3QiOnsic2hhMjU2IjoiMDYyODE2YTlmZjFlYzdkYmQ3OGJlNjE1NTA4ODliMWEwMWI2ZjRkODQ4MzFjYzgzNmRjOTUzMzllNGEzN2VjMSJ9fV0sInByZWRpY2F0ZVR5cGUiOiJodHRwczovL21vZGVsX3NpZ25pbmcvc2lnbmF0dXJlL3YxLjAiLCJwcmVkaWNhdGUiOnsic2VyaWFsaXphdGlvbiI6eyJtZXRob2QiOiJmaWxlcyIsImhhc2hfdHlwZSI6InNoYTI1NiIsImFsbG93X3N5bWxpbmtzIjpmYWxzZSwiaWdub3JlX3BhdGhzIjpbIi5naXQiLCIuZ2l0YXR0cmlidXRlcyIsIi5naXRodWIiLCIuZ2l0aWdub3JlIiwiZXhhbXBsZXMvbW9kZWwuc2lnIl19LCJyZXNvdXJjZXMiOlt7Im5hbWUiOiJSRUFETUUubWQiLCJhbGdvcml0aG0iOiJzaGEyNTYiLCJkaWdlc3QiOiJhNmIyZDczNjQ3MWZlMmIwN2VkOTlhMzFhYmNmNWQ5YzU0OWE2ZDMzN2UzMGE4ZmRlNThkYTQ3Mzc4MzM1NTZmIn0seyJuYW1lIjoiY29uZmlnLmpzb24iLCJhbGdvcml0aG0iOiJzaGEyNTYiLCJkaWdlc3QiOiJhM2I2ZjM0ZWU1YjliNDZjMThhMWY4Y2ZkOGJlMDZmZTIyZDJkYTYxZTBkZmQzMGY2OTExODdhZGUxYzEyMTg0In0seyJuYW1lIjoibW9kZWwuc2FmZXRlbnNvcnMiLCJhbGdvcml0aG0iOiJzaGEyNTYiLCJkaWdlc3QiOiIzYmRiZTM0NzU4NmI5Zjg2ODZhNzJjMDZkZWQ3YmUxODQ1ZWI0NmJlZTU0NWUyMDIyNmZkYjM3YTdiM2VhZDRmIn1dfX0=",
    "payloadType": "application/vnd.in-toto+json",
    "signatures": [
      {
        "sig": "MEUCIQCCWmWCITyLTvUw4jPmhmxV7R4h0FuOV1kFMm+8dPhADgIgNh94eZ20/fgCucVKvkS/iWWPdWWI3SBwakJT5um/Bd8=",
        "keyid": ""
      }
    ]
  }
}
