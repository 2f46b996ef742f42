"""What blocking SDK calls do on the triggerer's event loop, in a given Airflow release (CHL107).

Runs each call as a trigger's run() would (on the loop's thread, without and with the greenback
portal run_trigger opens from 3.1 on), through the release's real TriggerCommsDecoder, against a
stand-in supervisor that answers every request. Run it with the Python of an environment that
has the release installed (never chanlint's own):

    python -m venv /tmp/af31 && /tmp/af31/bin/pip install apache-airflow-core==3.1.8 apache-airflow-task-sdk==1.1.8
    AIRFLOW_HOME=$(mktemp -d) /tmp/af31/bin/python scripts/probe_triggerer_loop.py
"""

import asyncio
import socket

import msgspec
from airflow.jobs.triggerer_job_runner import TriggerCommsDecoder
from airflow.sdk.execution_time import comms as C
from airflow.sdk.execution_time import task_runner


def answer(body):
    kind = body.get("type")
    if kind == "GetConnection":
        result = C.ConnectionResult(conn_id=body["conn_id"], conn_type="http", host="h", password="a-long-password")
        return result.model_dump()
    if kind == "GetVariable":
        return C.VariableResult(key=body["key"], value="v").model_dump()
    if kind == "GetXCom":
        return C.XComResult(key=body["key"], value=1).model_dump()
    return None


async def supervisor(sock, seen):
    reader, writer = await asyncio.open_connection(sock=sock)
    while True:
        try:
            n = int.from_bytes(await reader.readexactly(4), "big")
            req = msgspec.msgpack.decode(await reader.readexactly(n), type=C._RequestFrame)
        except Exception:
            return
        seen.append(req.body.get("type"))
        resp = C._ResponseFrame(id=req.id, body=answer(req.body), error=None)
        writer.write(resp.as_bytes())
        await writer.drain()


CALLS = {
    "mask_secret": 'from airflow.sdk.log import mask_secret\nresult = mask_secret("a-long-secret-value")',
    "Variable.set": 'from airflow.sdk import Variable\nresult = Variable.set("k", "v")',
    "Variable.get": "from airflow.sdk import Variable\nresult = Variable.get('k')",
    "Connection.get": "from airflow.sdk import Connection\nresult = Connection.get('c').host",
    "BaseHook.get_connection": "from airflow.sdk import BaseHook\nresult = BaseHook.get_connection('c').host",
    "XCom.get_one": "from airflow.models import XCom\nresult = XCom.get_one(key='k', dag_id='d', task_id='t', run_id='r')",  # noqa: E501
}


async def main(portal):
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    decoder = TriggerCommsDecoder(async_writer=writer, async_reader=reader, socket=ours)
    if hasattr(decoder, "start_reader"):
        await decoder.start_reader()
    task_runner.SUPERVISOR_COMMS = decoder
    seen = []
    server = asyncio.create_task(supervisor(theirs, seen))

    async def trigger_run():
        if portal:
            import greenback

            await greenback.ensure_portal()
        out = {}
        for name, code in CALLS.items():
            seen.clear()
            ns = {}
            try:
                exec(code, ns)
                out[name] = f"ok {ns.get('result')!r} sent={list(seen)}"
            except BaseException as e:
                out[name] = f"{type(e).__name__}: {str(e)[:90]} sent={list(seen)}"
        return out

    out = await asyncio.create_task(trigger_run())
    server.cancel()
    return out


if __name__ == "__main__":
    for portal in (False, True):
        print("greenback portal:", portal)
        for name, outcome in asyncio.run(main(portal)).items():
            print(f"  {name} -> {outcome}")
