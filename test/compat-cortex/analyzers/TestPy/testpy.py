#!/usr/bin/env python3
"""A small analyzer written with cortexutils, run unmodified through Waggle's job-directory protocol."""
from cortexutils.analyzer import Analyzer


class TestPyAnalyzer(Analyzer):
    def run(self):
        data = self.get_data()
        if self.data_type == "file":
            path = self.get_param("file")
            with open(path, "rb") as f:
                content = f.read()
            self.report({"filename": data, "size": len(content), "text": content.decode("utf-8", "replace")})
        else:
            self.report({"data": data, "related": "198.51.100.7", "level": self.get_param("config.level", "malicious")})

    def summary(self, raw):
        value = raw.get("data", raw.get("filename"))
        return {"taxonomies": [self.build_taxonomy(raw.get("level", "info"), "TestPy", "Data", value)]}

    def artifacts(self, raw):
        out = super().artifacts(raw)
        if self.data_type == "file":
            out.append(self.build_artifact("file", self.get_param("file"), message="the input file, returned"))
        return out


if __name__ == "__main__":
    TestPyAnalyzer().run()
