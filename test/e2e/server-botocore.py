# botocore's own credential chain inside `sesame exec --server` (container provider) or --imds
# (instance metadata provider). Prints one JSON line. Usage: server-botocore.py container|imds|rotate SECONDS
import json, os, sys, time
mode = sys.argv[1]
if mode == "imds":
    # Leave botocore only the instance metadata endpoint.
    for k in ["AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]:
        os.environ.pop(k, None)
import botocore.session

s = botocore.session.get_session()
creds = s.get_credentials()
sts = s.create_client("sts", region_name="eu-west-1", endpoint_url=os.environ["STS_URL"])
if mode in ("container", "imds"):
    ident = sts.get_caller_identity()
    print(json.dumps({"method": creds.method, "accessKeyId": creds.get_frozen_credentials().access_key, "arn": ident["Arn"]}))
else:
    until = time.time() + float(sys.argv[2])
    calls = failures = 0
    keys = []
    errors = []
    while time.time() < until:
        try:
            key = creds.get_frozen_credentials().access_key
            sts.get_caller_identity()
            calls += 1
            if key not in keys:
                keys.append(key)
        except Exception as e:  # counted, not raised: the test asserts zero
            failures += 1
            errors.append(str(e)[:200])
        time.sleep(0.25)
    print(json.dumps({"method": creds.method, "calls": calls, "failures": failures, "keys": len(keys), "errors": errors[:3]}))
