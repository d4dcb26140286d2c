"""Template metadata keys by which a resource states a fact the deploy-readiness rules cannot see
in CloudFormation alone (see ``readiness.rules._markers``, which reads them). Here, below the
constructs and the rules both, because constructs write them and rules read them."""

from __future__ import annotations

#: On an ``AWS::Route53::HostedZone``: its name servers are set outside the app.
DELEGATED_OUTSIDE_APP = "finefinds:delegated-outside-app"
#: On a custom resource referring to a hosted zone or backup vault: it empties it before deletion.
EMPTIES_ON_DELETE = "finefinds:empties-on-delete"
