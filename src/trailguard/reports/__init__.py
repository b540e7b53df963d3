"""Reports and sharing: the CyberTipline report and client, STIX 2.1 export and import, CSV for partners.

Every report is built from an evidence case a reviewer approved (a signed `approve` custody entry); nothing
here reads a case that was not approved, and nothing is sent anywhere without that approval. Heavy imports
(xmlschema, stix2, httpx) live in the submodules so that `trailguard --help` stays fast.
"""
